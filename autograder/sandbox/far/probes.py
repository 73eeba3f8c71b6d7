"""Probes: call one student function on inputs the parent sent; report what happened.

Each probe returns plain data (JSON values and tensors). It never judges: the
parent compares what it observed with the reference.
"""
from __future__ import annotations

import random

import numpy as np
import torch

MAX_ITEMS = 5000        # elements of a list/tuple that are described
MAX_ELEMENTS = 1_000_000    # elements of one tensor whose data is sent back


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def describe(value, depth: int = 0, seen: dict | None = None):
    """What a value is, as data: tensors keep their bytes and autograd facts. A tensor
    that appears several times in one value is copied once (``seen``)."""
    seen = {} if seen is None else seen
    if isinstance(value, torch.Tensor):
        if id(value) in seen:
            return seen[id(value)]
        info = {"kind": "tensor", "dtype": str(value.dtype).removeprefix("torch."),
                "shape": list(value.shape), "requires_grad": bool(value.requires_grad),
                "is_leaf": bool(value.is_leaf), "has_grad_fn": value.grad_fn is not None}
        if value.numel() <= MAX_ELEMENTS and not value.is_complex():
            info["data"] = value.detach().cpu().clone()
        seen[id(value)] = info
        return info
    if isinstance(value, np.ndarray):
        info = {"kind": "ndarray", "dtype": value.dtype.name, "shape": list(value.shape)}
        if value.size <= MAX_ELEMENTS and value.dtype.kind in "biuf":
            info["data"] = np.ascontiguousarray(value)
        return info
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (bool, int, float)):
        return {"kind": "number", "value": float(value) if np.isfinite(float(value)) else repr(value)}
    if isinstance(value, (list, tuple)) and depth < 3:
        return {"kind": type(value).__name__ if type(value) in (list, tuple) else "tuple",
                "length": len(value),
                "items": [describe(v, depth + 1, seen) for v in list(value)[:MAX_ITEMS]]}
    return {"kind": "other", "type": type(value).__name__}


def _function(ns: dict, name: str):
    fn = ns.get(name)
    if not callable(fn):
        raise LookupError(name)
    return fn


def probe_synthetic_data(ns, inputs):
    fn = _function(ns, "synthetic_data")
    out = fn(inputs["w"], float(inputs["b"]), int(inputs["n"]))
    return {"returned": describe(out)}


def probe_data_iter(ns, inputs):
    fn = _function(ns, "data_iter")
    epochs = []
    cap = int(inputs["max_batches"])
    original = inputs["features"].clone()
    for _ in range(int(inputs["epochs"])):
        result = fn(int(inputs["batch_size"]), inputs["features"], inputs["labels"])
        try:
            iterator = iter(result)
        except TypeError:
            epochs.append({"iterable": False, "returned": describe(result)})
            continue
        batches, truncated = [], False
        for item in iterator:
            if len(batches) >= cap:
                truncated = True
                break
            batches.append(describe(item))
        epochs.append({"iterable": True, "batches": batches, "truncated": truncated})
    # random.shuffle on a tensor swaps rows through views, which copies some rows over others
    return {"epochs": epochs, "features_changed": not torch.equal(original, inputs["features"])}


def probe_linreg(ns, inputs):
    fn = _function(ns, "linreg")
    w = inputs["w"].clone().requires_grad_(True)
    b = inputs["b"].clone().requires_grad_(True)
    out = fn(inputs["X"], w, b)
    result = {"returned": describe(out), "w_grad": None, "b_grad": None, "backward": None}
    if isinstance(out, torch.Tensor) and out.requires_grad and out.shape == inputs["v"].shape:
        try:
            (out * inputs["v"]).sum().backward()
            result["w_grad"] = describe(w.grad)
            result["b_grad"] = describe(b.grad)
            result["backward"] = "ok"
        except RuntimeError as exc:
            result["backward"] = str(exc)[:500]
    return result


def probe_squared_loss(ns, inputs):
    fn = _function(ns, "squared_loss")
    out = fn(inputs["y_hat"], inputs["y"])
    return {"returned": describe(out)}


def probe_sgd(ns, inputs):
    fn = _function(ns, "sgd")
    params = []
    for spec in inputs["params"]:
        p = spec["data"].clone().requires_grad_(True)
        p.grad = spec["grad"].clone()
        params.append(p)
    originals = list(params)
    pointers = [p.data_ptr() for p in params]
    returned = fn(params, float(inputs["lr"]), int(inputs["batch_size"]))
    after = []
    for p, ptr in zip(originals, pointers):
        after.append({"data": describe(p.detach()), "grad": describe(p.grad),
                      "requires_grad": bool(p.requires_grad), "is_leaf": bool(p.is_leaf),
                      "same_storage": p.data_ptr() == ptr})
    return {"returned": describe(returned), "params": after}


TRAINING_CALLS = ("synthetic_data", "data_iter", "linreg", "squared_loss", "sgd")
INSIDE = None   # a units.Progress shared with the runner: which function training is inside


def _inside(index: int, fn):
    """``fn``, noting in INSIDE while it runs that training is inside TRAINING_CALLS[index]."""
    if INSIDE is None:
        return fn

    def call(*args, **kwargs):
        outer = INSIDE.current()
        INSIDE.at(index)
        try:
            return fn(*args, **kwargs)
        finally:
            INSIDE.at(outer)
    return call


def _batches_inside(result):
    """Iterate what data_iter returned, noting that each step runs inside data_iter."""
    iterator = _inside(1, iter)(result)
    step = _inside(1, next)
    while True:
        try:
            yield step(iterator)
        except StopIteration:
            return


def _rows(value) -> torch.Tensor:
    """A batch's features or labels as float64 rows, for the trace."""
    t = torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value)
    return t.reshape(len(t), -1).to(torch.float64).clone()


def probe_training(ns, inputs):
    """The book's training loop with all five of the student's functions.

    Besides the result, it reports a trace that the grader checks: the data that
    synthetic_data made, every batch that data_iter gave, and w and b before every
    step. A report that claims convergence must be explained, step by step, by
    gradient steps on those batches (``spec.training``)."""
    synthetic_data, data_iter, net, loss, sgd = (_inside(i, _function(ns, n))
                                                 for i, n in enumerate(TRAINING_CALLS))
    true_w, true_b = inputs["true_w"], float(inputs["true_b"])
    features, labels = synthetic_data(true_w, true_b, int(inputs["n"]))
    w = inputs["w0"].clone().requires_grad_(True)
    b = torch.zeros(1, requires_grad=True)
    lr, batch_size = float(inputs["lr"]), int(inputs["batch_size"])
    losses = []
    trace: dict | None = {"X": [], "y": [], "w": [], "b": []}
    untraced = ""
    try:
        trace.update(features=_rows(features), labels=_rows(labels))
    except (TypeError, ValueError, RuntimeError) as exc:
        trace, untraced = None, f"the data could not be recorded ({type(exc).__name__})"
    most = len(features) // batch_size + 10
    for _ in range(int(inputs["epochs"])):
        for count, (X, y) in enumerate(_batches_inside(data_iter(batch_size, features, labels))):
            if count >= most:
                raise RuntimeError(f"data_iter yielded more than {most} batches of {batch_size} "
                                   f"for {len(features)} examples: it never stops")
            if trace is not None:       # put together once, at the end; w and b change in place
                if isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor):
                    trace["X"].append(X)
                    trace["y"].append(y)
                    trace["w"].append(w.detach().clone())
                    trace["b"].append(b.detach().clone())
                else:
                    trace, untraced = None, "a batch was not a pair of tensors"
            l = loss(net(X, w, b), y)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
        with torch.no_grad():
            losses.append(float(loss(net(features, w, b), labels).mean()))
    result = {"w": w.detach().reshape(-1).clone(), "b": b.detach().reshape(-1).clone(),
              "losses": [x if np.isfinite(x) else repr(x) for x in losses]}
    if trace is None:
        result["untraced"] = untraced
    elif not trace["X"]:
        result["untraced"] = "data_iter gave no batch"
    else:
        try:
            sizes = [len(x) for x in trace["X"]]
            result["trace"] = {"features": trace["features"], "labels": trace["labels"],
                               "X": _rows(torch.cat([x.reshape(len(x), -1) for x in trace["X"]])),
                               "y": _rows(torch.cat([v.reshape(len(v), -1) for v in trace["y"]])),
                               "sizes": torch.tensor(sizes),
                               "w": torch.stack([v.reshape(-1) for v in trace["w"]]).double(),
                               "b": torch.stack([v.reshape(-1) for v in trace["b"]]).double()}
        except (TypeError, RuntimeError) as exc:
            result["untraced"] = f"the batches could not be put together ({exc})"[:300]
    return result


PROBES = {
    "synthetic_data": probe_synthetic_data,
    "data_iter": probe_data_iter,
    "linreg": probe_linreg,
    "squared_loss": probe_squared_loss,
    "sgd": probe_sgd,
    "training": probe_training,
}
