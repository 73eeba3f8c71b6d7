"""How squared_loss(y_hat, y) is graded: its probes' inputs, its judges, what its exceptions mean."""
from __future__ import annotations

from autograder.model import fail, PASS
from autograder.spec.base import close, Draw, fmt, not_tensor, shape, tensor_of

import torch

F = "squared_loss"

# What the repro shows: the loss's shape (y_hat's, element-wise) and its values.
SHOW = """l = squared_loss(y_hat, y)
print("shape:", tuple(l.shape), "y_hat:", tuple(y_hat.shape))
l"""


def _probe(n: int, flat: bool, dtype):
    def build(seed: int):
        d = Draw(seed)
        y_hat = d.randn("y_hat", n, 1, dtype=dtype)
        y = d.randn("y", *((n,) if flat else (n, 1)), dtype=dtype)
        return d.probe(F, {"y_hat": y_hat, "y": y}, SHOW)
    return build


# "flat" gives y of shape (n,) with n > 1, where a missing reshape broadcasts.
PROBES = {"column": _probe(7, False, torch.float32), "f64": _probe(5, False, torch.float64),
          "flat": _probe(6, True, torch.float32)}


def _judge(o, data, expected) -> object:
    y_hat, y = o.probe.inputs["y_hat"], o.probe.inputs["y"]
    facts = dict(observed_shape=shape(data.shape), expected_shape=shape(expected.shape),
                 y_shape=shape(y.shape), y_hat_shape=shape(y_hat.shape))
    if close(data, expected):
        return PASS
    broadcast = (y_hat - y) ** 2 / 2
    if data.shape == broadcast.shape and data.shape != expected.shape:
        return fail("squared_loss.no_reshape", **facts)
    if data.numel() == 1:
        value = float(data.reshape(()))
        facts["observed"] = fmt(value)
        for reduction, mistake in ((expected.mean(), "squared_loss.mean"),
                                   (expected.sum(), "squared_loss.sum"),
                                   (2 * expected.mean(), "squared_loss.mean"),
                                   (2 * expected.sum(), "squared_loss.sum")):
            if close(data.reshape(()), reduction):
                return fail(mistake, **facts)
        if y.dim() == 1 and any(close(data.reshape(()), r) for r in (broadcast.mean(), broadcast.sum(),
                                                                      2 * broadcast.mean())):
            return fail("squared_loss.no_reshape", **facts)
    if data.shape != expected.shape:
        return fail("squared_loss.wrong_shape", **facts)
    if close(data, 2 * expected):
        return fail("squared_loss.no_half", **facts)
    return fail("squared_loss.wrong_value", max_error=fmt(float((data - expected).abs().max())))


def _each(obs):
    for o in obs.values():
        out = o.result["returned"]
        data = tensor_of(out)
        if data is None:
            return not_tensor(F, out)
        y_hat, y = o.probe.inputs["y_hat"], o.probe.inputs["y"]
        verdict = _judge(o, data.double(), ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).double())
        if not verdict.passed:
            return verdict
    return PASS


# The judge of each check in the index (autograder.spec.CHECKS), by its id.
JUDGES = {
    "squared_loss.elementwise": _each,
    "squared_loss.reshape": _each,
}
