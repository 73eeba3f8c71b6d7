"""A stand-in for the book's d2l package ("Dive into Deep Learning", https://d2l.ai) inside the grading sandbox.

It covers chapter 3.2 (linear regression from scratch) only, PyTorch only:
``from d2l import torch as d2l`` and ``import d2l.torch`` give the saved
functions that chapter uses and defines (see ``d2l/torch.py``). The real d2l
cannot be installed in the sandbox: it pins old numpy/matplotlib and imports
torchvision, pandas, scipy, requests and IPython when it is imported.

Importing ``d2l`` alone imports no backend, as in the book's package; unlike it,
``d2l.torch`` after a plain ``import d2l`` imports the backend then, since files
written against the book call it that way too.
"""

__version__ = "1.0.3-standin"


def __getattr__(name):
    if name == "torch":
        import importlib
        return importlib.import_module(f"{__name__}.torch")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
