"""Correct variants of the reference, for the tests and benchmarks: they ship with the package (``autograder.selftest``)."""
from autograder.selftest.variants import VARIANTS

__all__ = ["VARIANTS"]
