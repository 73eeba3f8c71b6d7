"""`from autograder.zh import check`: check() that shows its results in Chinese (the zh notebook's)."""
from __future__ import annotations

from autograder.check import _warm_plots, check as _check


def check(name=None, namespace=None, config=None):
    """检查一个函数（或 "training"）的公开检查；不带参数时检查全部五个函数和训练。用中文显示结果。"""
    return _check(name, namespace, config, language="zh")


_warm_plots("zh")    # the figures of its language, built at import as check()'s module does
