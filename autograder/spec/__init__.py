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


# The checks' titles in Chinese, for the pages a student reads (ids and results.json keep the English).
TITLES_ZH = {
    "synthetic_data.returns": "返回一对张量 (X, y)",
    "synthetic_data.shapes": "X 的形状为 (n, len(w))，y 的形状为 (n, 1)，类型为 float32",
    "synthetic_data.features": "X 的元素取自 N(0, 1)",
    "synthetic_data.labels": "y = Xw + b 加上取自 N(0, 0.01^2) 的噪声",
    "data_iter.batches": "产生大小为 batch_size 的 (X, y) 小批量，并保留最后较小的一批",
    "data_iter.each_once": "每轮恰好访问每个样本一次",
    "data_iter.aligned": "每行特征与它自己的标签保持对应",
    "data_iter.shuffled": "以随机顺序访问样本",
    "data_iter.fresh_order": "每次调用都使用新的随机顺序",
    "linreg.value": "返回形状为 (n, 1) 的 X @ w + b",
    "linreg.autograd": "与 w 和 b 保持自动求导的连接",
    "squared_loss.elementwise": "逐元素返回 (y_hat - y)**2 / 2，形状与 y_hat 相同",
    "squared_loss.reshape": "把 y 变形为 y_hat 的形状（形状为 (n,) 的 y 也可以）",
    "sgd.update": "每个参数更新 -lr * grad / batch_size",
    "sgd.in_place": "原地修改传入的张量，并保持它们可训练",
    "sgd.zero_grad": "更新后把每个参数的梯度清零",
    "training.converges": "用你的五个函数运行书中的训练循环，能恢复 w 和 b",
}


def title(check_id: str, language: str) -> str:
    """A check's name as a student reads it: "function: title", in the course's language."""
    check = CHECKS[check_id]
    return f"{check.function}: {TITLES_ZH[check_id]}" if language == "zh" else check.name


def module(function: str) -> ModuleType:
    """The module of one function (or "training"): PROBES, JUDGES, RAISES. Imports torch."""
    if function not in UNITS:
        raise KeyError(function)
    return importlib.import_module(f"autograder.spec.{function}")
