"""The catalogue of named mistakes, for the tests and benchmarks: it ships with the package (``autograder.selftest``)."""
from autograder.selftest.mutants import MUTANTS, REFERENCE, SGD_NO_NO_GRAD, Mutant, replace_function

__all__ = ["MUTANTS", "REFERENCE", "SGD_NO_NO_GRAD", "Mutant", "replace_function"]
