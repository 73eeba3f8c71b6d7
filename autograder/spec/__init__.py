"""What is graded: the five functions, their checks, the book's signatures. No torch.

This index is what course.yaml is validated against and what every output lists,
so it loads without torch. Each function's module beside it (``spec.sgd``, ...)
holds the rest, and imports torch: its PROBES (seeded inputs the grader builds),
its JUDGES (pure functions of what the probes observed), and RAISES (what an
exception from the student's code means). ``module(function)`` loads one.
The catalogue of named mistakes, in English and Chinese, is ``spec.mistakes``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

FUNCTIONS = ("synthetic_data", "data_iter", "linreg", "squared_loss", "sgd")
UNITS = FUNCTIONS + ("training",)   # what is scored: each function, and the book's loop with all five

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


@dataclass(frozen=True)
class Check:
    id: str                       # "sgd.zero_grad": stable, used in course.yaml
    function: str                 # the function it grades, or "training"
    title: str                    # "zeroes each parameter's gradient after the update"
    probes: tuple[str, ...]       # names of the probes it reads (keys of the module's PROBES)

    @property
    def name(self) -> str:
        return f"{self.function}: {self.title}"

    def judge(self, observations: dict):
        """The Verdict on what the probes observed (``spec.<function>.JUDGES``)."""
        return module(self.function).JUDGES[self.id](observations)


def _declare(function: str, *rows: tuple[str, str, tuple[str, ...]]) -> list[Check]:
    return [Check(f"{function}.{short}", function, title, probes) for short, title, probes in rows]


CHECKS: dict[str, Check] = {c.id: c for c in [
    *_declare("synthetic_data",
              ("returns", "returns a pair (X, y) of tensors", ("k3",)),
              ("shapes", "X has shape (n, len(w)) and y has shape (n, 1), float32", ("k1", "k3", "k5")),
              ("features", "draws the entries of X from N(0, 1)", ("k3", "k5")),
              ("labels", "makes y = Xw + b plus noise from N(0, 0.01^2)", ("k1", "k3", "k5"))),
    *_declare("data_iter",
              ("batches", "yields (X, y) batches of batch_size and keeps the last, smaller one",
               ("uneven", "flat")),
              ("each_once", "covers every example exactly once per pass", ("uneven", "flat")),
              ("aligned", "keeps each feature row with its own label", ("uneven", "flat")),
              ("shuffled", "visits the examples in a random order", ("uneven", "flat")),
              ("fresh_order", "uses a new random order on every call", ("uneven",))),
    *_declare("linreg",
              ("value", "returns X @ w + b with shape (n, 1)", ("f32", "f64")),
              ("autograd", "stays connected to w and b for autograd", ("f32", "f64"))),
    *_declare("squared_loss",
              ("elementwise", "returns (y_hat - y)**2 / 2 element-wise, shaped like y_hat",
               ("column", "f64")),
              ("reshape", "reshapes y to y_hat's shape (y of shape (n,) works)", ("flat",))),
    *_declare("sgd",
              ("update", "updates each parameter by -lr * grad / batch_size", ("two", "three")),
              ("in_place", "changes the given tensors in place and keeps them trainable", ("two", "three")),
              ("zero_grad", "zeroes each parameter's gradient after the update", ("two", "three"))),
    *_declare("training",
              ("converges", "the book's loop with your five functions recovers w and b",
               ("book", "sgd:two", "sgd:three"))),
]}


def module(function: str) -> ModuleType:
    """The module of one function (or "training"): PROBES, JUDGES, RAISES. Imports torch."""
    if function not in UNITS:
        raise KeyError(function)
    return importlib.import_module(f"autograder.spec.{function}")
