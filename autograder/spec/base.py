"""What the judges of every function share: seeded inputs that print their own repro,
the statistical threshold, and small helpers on described values.

A judge is a pure function of what the probes observed. It never runs student
code and never looks at the source text.
"""
from __future__ import annotations

import torch

from autograder.model import Probe, Verdict, fail

# A false alarm at most 1e-6 per check per submission. Each statistical test
# below uses |z| > Z (two-sided normal tail 2.0e-9), so a check that combines up
# to m such tests has a false-alarm rate under m * 2.0e-9 (union bound), far
# below 1e-6 even where the normal approximation of the statistic is loose.
Z = 6.0


class Draw:
    """Seeded inputs that print themselves as a paste-ready repro."""

    def __init__(self, seed: int):
        self.gen = torch.Generator().manual_seed(seed)
        self.lines = ["import torch", f"g = torch.Generator().manual_seed({seed})"]

    def randn(self, name: str, *shape: int, dtype=torch.float32) -> torch.Tensor:
        t = torch.randn(*shape, generator=self.gen, dtype=dtype)
        extra = ", dtype=torch.float64" if dtype == torch.float64 else ""
        dims = ", ".join(str(s) for s in shape)
        self.lines.append(f"{name} = torch.randn({dims}, generator=g{extra})")
        return t

    def uniform(self, low: float, high: float) -> float:
        return float(torch.empty(1, dtype=torch.float64).uniform_(low, high, generator=self.gen))

    def let(self, name: str, value_repr: str):
        self.lines.append(f"{name} = {value_repr}")

    def probe(self, kind: str, inputs: dict, call: str) -> Probe:
        return Probe(kind, inputs, "\n".join(self.lines + [call]))


# ---- small helpers shared by the checks -------------------------------------

def shape(t) -> str:
    return "(" + ", ".join(str(int(s)) for s in t) + ("," if len(t) == 1 else "") + ")"


def tensor_of(desc) -> torch.Tensor | None:
    """The data of a described tensor, or None when it was not a tensor."""
    if isinstance(desc, dict) and desc.get("kind") == "tensor" and "data" in desc:
        return desc["data"]
    return None


def what(desc, language: str = "en") -> str:
    """A short description of a returned value, for messages, in English or Chinese."""
    zh = language == "zh"
    if not isinstance(desc, dict):
        return repr(desc)
    kind = desc.get("kind")
    if kind == "tensor":
        return (f"形状为 {shape(desc['shape'])} 的 {desc['dtype']} 张量" if zh else
                f"a {desc['dtype']} tensor of shape {shape(desc['shape'])}")
    if kind == "ndarray":
        return f"形状为 {shape(desc['shape'])} 的 numpy 数组" if zh else f"a numpy array of shape {shape(desc['shape'])}"
    if kind == "none":
        return "None"
    if kind == "number":
        return f"数 {desc['value']}" if zh else f"the number {desc['value']}"
    if kind in ("tuple", "list"):
        inner = ", ".join(what(i, language) for i in desc.get("items", [])[:3])
        more = ", ..." if desc.get("length", 0) > 3 else ""
        if zh:
            return f"长度为 {desc.get('length')} 的 {kind}（{inner}{more}）"
        return f"a {kind} of {desc.get('length')} ({inner}{more})"
    return f"{desc.get('type')} 类型的对象" if zh else f"an object of type {desc.get('type')}"


def observed(desc) -> dict:
    """The facts ``observed_en`` and ``observed_zh``: what a value is, in both languages."""
    return {"observed_en": what(desc), "observed_zh": what(desc, "zh")}


def close(a: torch.Tensor, b: torch.Tensor, rtol=1e-4, atol=1e-5) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), rtol=rtol, atol=atol))


def fmt(x: float) -> str:
    return f"{x:.4g}"


def not_tensor(function: str, desc) -> Verdict:
    if isinstance(desc, dict) and desc.get("kind") == "ndarray":
        return fail("any.numpy_returned", function=function, **observed(desc))
    return fail("any.wrong_type", function=function, **observed(desc), expected_en="a tensor",
                expected_zh="张量")


def tensor_pair(desc, function: str, not_a_pair: str):
    """The descriptions (X, y) of a returned pair of tensors, or the failing Verdict:
    ``not_a_pair`` when it is no pair, a wrong type when either is no tensor."""
    if desc.get("kind") not in ("tuple", "list") or desc.get("length") != 2:
        return fail(not_a_pair, **observed(desc))
    X, y = desc["items"]
    for part in (X, y):
        if tensor_of(part) is None:
            return not_tensor(function, part)
    return X, y
