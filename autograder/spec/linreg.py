"""How linreg(X, w, b) is graded: its probes' inputs, its judges, what its exceptions mean."""
from __future__ import annotations

import torch

from autograder.model import fail, PASS
from autograder.spec.base import close, Draw, fmt, not_tensor, shape, tensor_of

F = "linreg"

# What the repro shows: the result's shape, whether autograd can reach w and b, the result.
SHOW = """out = linreg(X, w, b)
print("shape:", tuple(out.shape), "requires_grad:", getattr(out, "requires_grad", None))
out"""


def _probe(n: int, k: int, dtype):
    """k >= 2 so that an element-wise product cannot pass for a matrix product."""
    def build(seed: int):
        d = Draw(seed)
        X = d.randn("X", n, k, dtype=dtype)
        w = d.randn("w", k, 1, dtype=dtype)
        b = d.randn("b", 1, dtype=dtype) + 2.0
        d.let("b", "b + 2.0")
        v = torch.randn(n, 1, generator=d.gen, dtype=dtype)
        d.lines.append("w.requires_grad_(True); b.requires_grad_(True)")
        return d.probe(F, {"X": X, "w": w, "b": b, "v": v}, SHOW)
    return build


# What an exception from the student's linreg means, by its message.
RAISES = [("must match the size", "linreg.elementwise")]

PROBES = {"f32": _probe(6, 3, torch.float32), "f64": _probe(5, 4, torch.float64)}


def value(obs):
    for o in obs.values():
        X, w, b = (o.probe.inputs[key] for key in ("X", "w", "b"))
        out = o.result["returned"]
        data = tensor_of(out)
        if data is None:
            return not_tensor(F, out)
        expected = X @ w + b
        if close(data.double(), expected.double()):
            if data.dtype != X.dtype:
                return fail("linreg.wrong_dtype", dtype=str(X.dtype).removeprefix("torch."),
                            observed_dtype=out["dtype"])
            continue
        facts = dict(X_shape=shape(X.shape), w_shape=shape(w.shape), b=fmt(float(b)),
                     observed_shape=shape(data.shape), expected_shape=shape(expected.shape))
        if close(data.double(), (X @ w).double()):
            return fail("linreg.no_bias", **facts)
        if data.shape == (X * w.reshape(1, -1)).shape and data.shape != expected.shape:
            return fail("linreg.elementwise", detail_en=f", giving shape {shape(data.shape)}",
                        detail_zh=f"，得到的形状是 {shape(data.shape)}", **facts)
        if data.shape != expected.shape:
            return fail("linreg.wrong_shape", **facts)
        err = float((data.double() - expected.double()).abs().max())
        return fail("linreg.wrong_value", max_error=fmt(err))
    return PASS


def autograd(obs):
    """Backpropagate v . output: the gradients must be X^T v for w and sum(v) for b."""
    for o in obs.values():
        X, w, v = (o.probe.inputs[key] for key in ("X", "w", "v"))
        res = o.result
        out = res["returned"]
        if out.get("kind") != "tensor":
            return not_tensor(F, out)
        if not out["requires_grad"]:
            return fail("linreg.detached", which_en="`w` and `b`", which_zh="`w` 和 `b`")
        if tuple(out["shape"]) != tuple(v.shape):
            return fail("linreg.wrong_shape", observed_shape=shape(out["shape"]),
                        expected_shape=shape(v.shape))
        missing = [name for name in ("w", "b") if res[f"{name}_grad"] is None
                   or res[f"{name}_grad"].get("kind") != "tensor"]
        if missing:
            return fail("linreg.detached", which_en=" and ".join(f"`{m}`" for m in missing),
                        which_zh=" 和 ".join(f"`{m}`" for m in missing))
        gw, gb = res["w_grad"]["data"], res["b_grad"]["data"]
        want_w, want_b = X.T @ v, v.sum().reshape(1)
        if not close(gw.double(), want_w.double()):
            return fail("linreg.wrong_gradient", detail_en="the gradient of `w` is not X^T times the "
                        "upstream gradient", detail_zh="`w` 的梯度不等于 X^T 乘以上游梯度")
        if not close(gb.double(), want_b.double()):
            return fail("linreg.wrong_gradient", detail_en="the gradient of `b` is not the sum of the "
                        "upstream gradient", detail_zh="`b` 的梯度不等于上游梯度之和")
    return PASS


# The judge of each check in the index (autograder.spec.CHECKS), by its id.
JUDGES = {
    "linreg.value": value,
    "linreg.autograd": autograd,
}
