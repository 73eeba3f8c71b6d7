"""A stand-in for the book's d2l package (d2l.torch) inside the grading sandbox.

It covers chapter 3.2 (linear regression from scratch) only: the plotting
helpers that chapter calls (``use_svg_display``, ``set_figsize``,
``set_axes``, ``plot``, ``plt``), ``Timer``, the four functions it saves
(``synthetic_data``, ``linreg``, ``squared_loss``, ``sgd``), ``load_array``
and the tensor aliases at the bottom of the book's ``d2l/torch.py``. Nothing
else of the book's package (data sets, Fashion-MNIST, ``Animator``,
``train_ch3``, the 2.0 classes ``Module``/``Trainer``/..., downloads) is here.

The bodies are copied from the book's code (d2l-ai/d2l-en branch r0.17,
d2l 0.17.6, and d2l-ai/d2l-zh master, d2l 2.0.0 in that repo: the layout with
``synthetic_data`` and friends). Differences from the book's module:

* importing it imports only torch, numpy and standard modules;
  ``plt`` (matplotlib.pyplot, on the Agg backend) and ``display``
  (IPython.display) are imported when first used;
* ``use_svg_display()`` does not need IPython: it does nothing when
  matplotlib_inline (or what it needs) is missing;
* ``synthetic_data``, ``linreg``, ``squared_loss`` and ``sgd`` count their
  calls in ``CALLS`` and carry ``__d2l_saved__ = True``, so that the grader
  can tell a student's own function from the book's.
"""

# The book's module imports all of these at its top, so files reach them as `d2l.math`,
# `d2l.np`, `d2l.random`, `d2l.F`, ...: they stay, used here or not.
import collections
import math
import os
import random
import re
import sys
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils import data

d2l = sys.modules[__name__]

# How many times each saved function of chapter 3.2 has been called (the grader compares it
# before and after each probe).
CALLS = {"synthetic_data": 0, "linreg": 0, "squared_loss": 0, "sgd": 0}


# ---- plt and display, imported lazily (the book: `from matplotlib import pyplot as plt`,
# ---- `from IPython import display` at import time)

def _load_plt():
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")   # headless: no GUI backend is ever looked for
    from matplotlib import pyplot

    return pyplot


def _load_display():
    try:
        from IPython import display as ipython_display
    except ImportError:   # no IPython at all: displaying does nothing
        import types

        ipython_display = types.SimpleNamespace(display=lambda *objs, **kwargs: None,
                                                clear_output=lambda *args, **kwargs: None)
    return ipython_display


_LAZY = {"plt": _load_plt, "display": _load_display}


def __getattr__(name):
    if name in _LAZY:
        value = _LAZY[name]()
        globals()[name] = value   # later look-ups find it directly
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


# ---- Copied from d2l-ai/d2l-en, branch r0.17, d2l/torch.py (d2l 0.17.6; the same in d2l-ai/d2l-zh master),
# ---- except use_svg_display, which there is `backend_inline.set_matplotlib_formats('svg')` alone.

def use_svg_display():
    """Use the svg format to display a plot in Jupyter.

    Defined in :numref:`sec_calculus`"""
    try:
        from matplotlib_inline import backend_inline

        backend_inline.set_matplotlib_formats('svg')
    except Exception:   # no matplotlib_inline, or no IPython behind it: nothing to set
        pass


def set_figsize(figsize=(3.5, 2.5)):
    """Set the figure size for matplotlib.

    Defined in :numref:`sec_calculus`"""
    use_svg_display()
    d2l.plt.rcParams['figure.figsize'] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Set the axes for matplotlib.

    Defined in :numref:`sec_calculus`"""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None,
         ylim=None, xscale='linear', yscale='linear',
         fmts=('-', 'm--', 'g-.', 'r:'), figsize=(3.5, 2.5), axes=None):
    """Plot data points.

    Defined in :numref:`sec_calculus`"""
    if legend is None:
        legend = []

    set_figsize(figsize)
    axes = axes if axes else d2l.plt.gca()

    # Return True if `X` (tensor or list) has 1 axis
    def has_one_axis(X):
        return (hasattr(X, "ndim") and X.ndim == 1 or isinstance(X, list)
                and not hasattr(X[0], "__len__"))

    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


class Timer:
    """Record multiple running times."""
    def __init__(self):
        """Defined in :numref:`subsec_linear_model`"""
        self.times = []
        self.start()

    def start(self):
        """Start the timer."""
        self.tik = time.time()

    def stop(self):
        """Stop the timer and record the time in a list."""
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self):
        """Return the average time."""
        return sum(self.times) / len(self.times)

    def sum(self):
        """Return the sum of time."""
        return sum(self.times)

    def cumsum(self):
        """Return the accumulated time."""
        return np.array(self.times).cumsum().tolist()


# ---- The four functions chapter 3.2 saves (#@save); bodies from d2l-en r0.17 (= d2l-zh master = d2l-en 1.0.3),
# ---- plus the call count at the start of each.

def synthetic_data(w, b, num_examples):
    """Generate y = Xw + b + noise.

    Defined in :numref:`sec_linear_scratch`"""
    CALLS["synthetic_data"] += 1
    X = d2l.normal(0, 1, (num_examples, len(w)))
    y = d2l.matmul(X, w) + b
    y += d2l.normal(0, 0.01, y.shape)
    return X, d2l.reshape(y, (-1, 1))


synthetic_data.__d2l_saved__ = True


def linreg(X, w, b):
    """The linear regression model.

    Defined in :numref:`sec_linear_scratch`"""
    CALLS["linreg"] += 1
    return d2l.matmul(X, w) + b


linreg.__d2l_saved__ = True


def squared_loss(y_hat, y):
    """Squared loss.

    Defined in :numref:`sec_linear_scratch`"""
    CALLS["squared_loss"] += 1
    return (y_hat - d2l.reshape(y, y_hat.shape)) ** 2 / 2


squared_loss.__d2l_saved__ = True


def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent.

    Defined in :numref:`sec_linear_scratch`"""
    CALLS["sgd"] += 1
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


sgd.__d2l_saved__ = True


# From d2l-en r0.17 (chapter 3.3, linear regression concise; used by later exercises on the same data).
def load_array(data_arrays, batch_size, is_train=True):
    """Construct a PyTorch data iterator.

    Defined in :numref:`sec_linear_concise`"""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


# ---- Alias defined in config.ini: as in d2l-ai/d2l-zh master (d2l-en r0.17's list plus randn and
# ---- reduce_mean), then the ones d2l-en 1.0.3 (master) adds.
nn_Module = nn.Module

ones = torch.ones
zeros = torch.zeros
tensor = torch.tensor
arange = torch.arange
meshgrid = torch.meshgrid
sin = torch.sin
sinh = torch.sinh
cos = torch.cos
cosh = torch.cosh
tanh = torch.tanh
linspace = torch.linspace
exp = torch.exp
log = torch.log
normal = torch.normal
rand = torch.rand
randn = torch.randn
matmul = torch.matmul
int32 = torch.int32
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs
eye = torch.eye
numpy = lambda x, *args, **kwargs: x.detach().numpy(*args, **kwargs)
size = lambda x, *args, **kwargs: x.numel(*args, **kwargs)
reshape = lambda x, *args, **kwargs: x.reshape(*args, **kwargs)
to = lambda x, *args, **kwargs: x.to(*args, **kwargs)
reduce_sum = lambda x, *args, **kwargs: x.sum(*args, **kwargs)
argmax = lambda x, *args, **kwargs: x.argmax(*args, **kwargs)
astype = lambda x, *args, **kwargs: x.type(*args, **kwargs)
transpose = lambda x, *args, **kwargs: x.t(*args, **kwargs)
reduce_mean = lambda x, *args, **kwargs: x.mean(*args, **kwargs)

# added in d2l-en 1.0.3
ones_like = torch.ones_like
zeros_like = torch.zeros_like
int64 = torch.int64
sigmoid = torch.sigmoid
batch_matmul = torch.bmm
expand_dims = lambda x, *args, **kwargs: x.unsqueeze(*args, **kwargs)
swapaxes = lambda x, *args, **kwargs: x.swapaxes(*args, **kwargs)
repeat = lambda x, *args, **kwargs: x.repeat(*args, **kwargs)
