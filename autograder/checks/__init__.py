"""The check registry, shared by `autograder grade` and `check()` in a notebook.

Each module grades one function: its PROBES build seeded inputs, its CHECKS are
pure functions of what those probes observed.
"""
from __future__ import annotations

from types import ModuleType

from autograder.checks import data_iter, linreg, sgd, squared_loss, synthetic_data, training
from autograder.checks.base import Check

MODULES: dict[str, ModuleType] = {m.F: m for m in
                                  (synthetic_data, data_iter, linreg, squared_loss, sgd, training)}

CHECKS: dict[str, Check] = {c.id: c for m in MODULES.values() for c in m.CHECKS}

# The book's parameter names, for the signature hint.
SIGNATURES = {
    "synthetic_data": ("w", "b", "num_examples"),
    "data_iter": ("batch_size", "features", "labels"),
    "linreg": ("X", "w", "b"),
    "squared_loss": ("y_hat", "y"),
    "sgd": ("params", "lr", "batch_size"),
}

# Names that students of the book use for the same functions.
ALIASES = {
    "squared_loss": ("square_loss", "squared_error", "mse", "loss"),
    "linreg": ("net", "linear_regression", "model", "lin_reg"),
    "sgd": ("SGD", "optimizer", "update"),
    "data_iter": ("data_generator", "data_iterator", "batch_iter", "iterate"),
    "synthetic_data": ("synthetic", "generate_data", "make_data", "synthesize_data"),
}
