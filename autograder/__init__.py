"""Exercise and autograder for linear regression from scratch (D2L 3.2, PyTorch)."""

__version__ = "0.1.0"

from autograder.spec import FUNCTIONS  # noqa: E402  (the five functions a student writes)
from autograder.check import check  # noqa: E402  (check("sgd") in a notebook; torch only when it runs)

__all__ = ["FUNCTIONS", "check", "__version__"]
