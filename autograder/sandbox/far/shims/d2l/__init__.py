"""A stand-in for the book's d2l package ("Dive into Deep Learning", https://d2l.ai) inside the grading sandbox.

It covers chapter 3.2 (linear regression from scratch) only, PyTorch only:
``from d2l import torch as d2l`` and ``import d2l.torch`` give the saved
functions that chapter uses and defines (see ``d2l/torch.py``). The real d2l
cannot be installed in the sandbox: it pins old numpy/matplotlib and imports
torchvision, pandas, scipy, requests and IPython when it is imported.

As in the book's package, importing ``d2l`` alone imports no backend; the
backend is the submodule one imports (here only ``d2l.torch`` exists).
"""

__version__ = "1.0.3-standin"
