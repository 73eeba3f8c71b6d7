"""The grader's own test, shipped with it: the catalogue of named mistakes and correct variants, and their score.

    reference.py  the reference solution (the checkout keeps the same file as solutions/linreg.py)
    mutants.py    one small wrong implementation of the reference per named mistake
    variants.py   correct implementations written differently from the reference
    score.py      `autograder selftest`: grade them all and print the mutation score

The sandbox's far side never sees this folder: its view leaves it out
(``sandbox.far.view.HIDDEN``), since its correct variants are working code.
"""
