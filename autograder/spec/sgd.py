"""How sgd(params, lr, batch_size) is graded: its probes' inputs, its judges, what its exceptions mean."""
from __future__ import annotations

import torch

from autograder.model import fail, PASS
from autograder.spec.base import close, Draw, fmt, tensor_of

F = "sgd"

# What the repro prints per parameter: how far it moved beside the book's step (computed
# before the call, which may zero the gradients in place), and its gradient afterwards.
SHOW = """steps = [{steps}]
before = [p.detach().clone() for p in [{params}]]
sgd([{params}], {lr}, {batch_size})
for name, p, old, step in zip({names}, [{params}], before, steps):
    print(name, "moved by", (p.detach() - old).flatten().tolist(), "the book's step", step.flatten().tolist())
    print(name, "grad after:", None if p.grad is None else p.grad.flatten().tolist())"""
BOOK_LR, BOOK_BATCH = 0.03, 10


def _probe(shapes, lr: float, batch_size: int, dtype):
    """lr and batch_size differ from the book's 0.03 and 10, and batch_size != 1,
    so hard-coded values and a missing division show."""
    def build(seed: int):
        d = Draw(seed)
        params = []
        names = []
        for i, shp in enumerate(shapes):
            data = d.randn(f"p{i}", *shp, dtype=dtype)
            grad = d.randn(f"g{i}", *shp, dtype=dtype)
            d.lines.append(f"p{i}.requires_grad_(True); p{i}.grad = g{i}")
            params.append({"data": data, "grad": grad})
            names.append(f"p{i}")
        call = SHOW.format(params=", ".join(names), steps=", ".join(f"-{lr} * g{i} / {batch_size}" for i in range(len(names))),
                           names=names, lr=lr, batch_size=batch_size)
        return d.probe(F, {"params": params, "lr": lr, "batch_size": batch_size}, call)
    return build


PROBES = {
    "two": _probe([(3, 1), (1,)], 0.07, 4, torch.float32),
    "three": _probe([(2, 2), (4,), (1,)], 0.3, 7, torch.float64),
}

# What an exception from the student's sgd means, by its message.
RAISES = [
    ("leaf Variable that requires grad", "sgd.no_no_grad"),
    ("'NoneType' object has no attribute 'zero_'", "sgd.rebinds"),
]


def _state(o):
    """Per parameter: (old, grad, new, grad after or None)."""
    rows = []
    for spec, after in zip(o.probe.inputs["params"], o.result["params"]):
        new = after["data"].get("data")
        g_after = tensor_of(after["grad"])
        rows.append((spec["data"].double(), spec["grad"].double(),
                     new.double() if new is not None else spec["data"].double(),
                     g_after.double() if g_after is not None else None, after))
    return rows


def _zeroed(g_after) -> bool:
    return g_after is None or not bool(g_after.any())


def _unchanged(rows) -> list[bool]:
    return [torch.equal(old, new) for old, _, new, _, _ in rows]


def update(obs):
    for o in obs.values():
        lr, bs = o.probe.inputs["lr"], o.probe.inputs["batch_size"]
        rows = _state(o)
        deltas = [new - old for old, _, new, _, _ in rows]
        grads = [g for _, g, _, _, _ in rows]
        if all(close(dl, -lr * g / bs) for dl, g in zip(deltas, grads)):
            continue
        same = _unchanged(rows)
        if all(same):
            if all(_zeroed(g_after) for *_, g_after, _ in rows):
                return fail("sgd.zero_before_update")
            return fail("sgd.rebinds")
        if close(deltas[0], -lr * grads[0] / bs) and all(same[1:]):
            return fail("sgd.first_only", others=", ".join(f"params[{i}]" for i in range(1, len(rows))))
        num = sum(float((dl * g).sum()) for dl, g in zip(deltas, grads))
        den = sum(float((g * g).sum()) for g in grads)
        c = num / den
        if all(close(dl, c * g) for dl, g in zip(deltas, grads)):
            step = -c
            facts = dict(lr=lr, batch_size=bs, ratio=fmt(step / lr))
            for want, mistake, extra in (
                    (-lr / bs, "sgd.ascends", {}),
                    (lr, "sgd.no_batch_division", {}),
                    (BOOK_LR / bs, "sgd.hardcoded_lr", {"used_lr": BOOK_LR}),
                    (BOOK_LR / BOOK_BATCH, "sgd.hardcoded_lr", {"used_lr": BOOK_LR}),
                    (lr / BOOK_BATCH, "sgd.hardcoded_batch_size", {"used_batch_size": BOOK_BATCH})):
                if abs(step - want) <= 1e-4 * abs(want):
                    return fail(mistake, **facts, **extra)
        err = max(float((dl + lr * g / bs).abs().max()) for dl, g in zip(deltas, grads))
        return fail("sgd.wrong_update", max_error=fmt(err))
    return PASS


def in_place(obs):
    for o in obs.values():
        rows = _state(o)
        lost = [f"params[{i}]" for i, row in enumerate(rows)
                if not (row[4]["requires_grad"] and row[4]["is_leaf"])]
        if lost:
            return fail("sgd.not_trainable", which=", ".join(lost))
        if all(_unchanged(rows)) and not all(_zeroed(g_after) for *_, g_after, _ in rows):
            return fail("sgd.rebinds")
    return PASS


def zero_grad(obs):
    for o in obs.values():
        rows = _state(o)
        kept = [i for i, (*_, g_after, _) in enumerate(rows) if not _zeroed(g_after)]
        if not kept:
            continue
        if kept == list(range(1, len(rows))) and not all(_unchanged(rows)) and all(_unchanged(rows)[1:]):
            return fail("sgd.first_only", others=", ".join(f"params[{i}]" for i in kept))
        listed = ", ".join(f"params[{i}]" for i in kept)
        every = len(kept) == len(rows)
        return fail("sgd.no_zero_grad", which_en="every parameter" if every else listed,
                    which_zh="每个参数" if every else listed)
    return PASS


# The judge of each check in the index (autograder.spec.CHECKS), by its id.
JUDGES = {
    "sgd.update": update,
    "sgd.in_place": in_place,
    "sgd.zero_grad": zero_grad,
}
