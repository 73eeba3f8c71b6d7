"""The end-to-end check: the book's training loop with all five student functions."""
from __future__ import annotations

import math

import torch

from autograder.model import fail, PASS, Probe
from autograder.spec.base import fmt

F = "training"
TRUE_W, TRUE_B = (2.0, -3.4), 4.2

# The bounds. `python tools/training_bound.py 2000` runs the reference on 2,000 seeds:
#   max|w - true_w|: mean 6.5e-4, sd 3.5e-4, 99.9% quantile 2.0e-3, max 2.3e-3
#   |b - true_b|:    mean 5.2e-4, sd 3.6e-4, 99.9% quantile 1.9e-3, max 2.2e-3
# The error is what is left of the start (3.4 * 0.97**300 = 4e-4) plus SGD noise
# of sd about sqrt(lr / (2 * batch_size)) * 0.01 = 4e-4 per coordinate, both with
# light (Gaussian-like) tails. A bound of 0.01 is 27 sd above the mean error and
# 4.4 times the largest of 2,000 runs; a Gaussian tail puts the reference's miss
# rate far below 1e-6. Implementations that stop short of convergence leave
# errors of 0.1 and more, so they still fail.
W_BOUND = 0.01
B_BOUND = 0.01


LOOP = """import random
import numpy as np
import torch
random.seed({seed}); np.random.seed({seed} % 2**32); torch.manual_seed({seed})
true_w, true_b = torch.tensor([2, -3.4]), 4.2
features, labels = synthetic_data(true_w, true_b, 1000)
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for epoch in range(3):
    for X, y in data_iter(10, features, labels):
        l = squared_loss(linreg(X, w, b), y)
        l.sum().backward()
        sgd([w, b], 0.03, 10)
print(true_w - w.reshape(true_w.shape), true_b - b)"""


def _build(seed: int):
    inputs = {"true_w": torch.tensor(TRUE_W), "true_b": TRUE_B, "n": 1000, "lr": 0.03,
              "epochs": 3, "batch_size": 10}
    return Probe(F, inputs, LOOP.format(seed=seed))


PROBES = {"book": _build}


def converges(obs):
    r = obs["book"].result
    losses = [float(x) for x in r["losses"]]
    shown = "[" + ", ".join(fmt(x) for x in losses) + "]"
    w, b = r["w"].double(), r["b"].double()
    if not all(math.isfinite(x) for x in losses) or not bool(torch.isfinite(w).all()):
        return fail("training.diverged", losses=shown)
    w_err = float((w - torch.tensor(TRUE_W, dtype=torch.float64)).abs().max())
    b_err = float((b - TRUE_B).abs().max())
    if w_err <= W_BOUND and b_err <= B_BOUND:
        return PASS
    return fail("training.not_converged", w_error=fmt(w_err), b_error=fmt(b_err),
                w_bound=W_BOUND, b_bound=B_BOUND, losses=shown)


# The judge of each check in the index (autograder.spec.CHECKS), by its id.
JUDGES = {
    "training.converges": converges,
}
