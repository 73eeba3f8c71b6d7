"""Exercise and autograder for linear regression from scratch (D2L 3.2, PyTorch)."""

__version__ = "0.1.0"

FUNCTIONS = ("synthetic_data", "data_iter", "linreg", "squared_loss", "sgd")


def check(name, namespace=None, config=None):
    """Run the public checks of one function (or "training") from a notebook.

    While the autograder itself runs the notebook this does nothing, so a graded
    notebook never grades itself.
    """
    import os

    if os.environ.get("AUTOGRADER_GRADING"):
        return None
    from autograder.notebook import check as _check

    return _check(name, namespace, config)
