"""How data_iter(batch_size, features, labels) is graded: its probes' inputs, its judges, what its exceptions mean."""
from __future__ import annotations

import math

import torch

from autograder.model import fail, PASS, Verdict
from autograder.spec.base import Draw, fmt, tensor_of, tensor_pair, observed, Z

F = "data_iter"

# What the repro prints: every property that the checks look at. Column 0 of the features
# is each example's index and its label is 1000 + index.
SHOW = """import itertools
batches = list(itertools.islice(data_iter({batch_size}, features, labels), {n} + 10))   # an endless one stops
print("batch sizes:", [len(X) for X, _ in batches], "of", {{type(v).__name__ for b in batches for v in b}})
first = [int(i) for X, _ in batches for i in X[:, 0]]
print("examples:", len(first), "distinct:", len(set(first)), "of {n}")
print("labels with their features:", all(bool((y.reshape(-1) - 1000 == X[:, 0]).all()) for X, y in batches))
again = itertools.islice(data_iter({batch_size}, features, labels), {n} + 10)
second = [int(i) for X, _ in again for i in X[:, 0]]
print("first call:", first[:12])
print("second call:", second[:12], "the same order" if first == second else "a new order")"""


def _probe(n: int, batch_size: int, k: int, flat_labels: bool, epochs: int):
    """Column 0 of the features is the example's index and its label is 1000 + index,
    so the parent can tell which examples came, in which order, and with which label."""
    def build(seed: int):
        d = Draw(seed)
        features = d.randn("features", n, k)
        features[:, 0] = torch.arange(n, dtype=torch.float32)
        d.let("features[:, 0]", f"torch.arange({n}, dtype=torch.float32)")
        labels = 1000 + torch.arange(n, dtype=torch.float32)
        labels = labels if flat_labels else labels.reshape(-1, 1)
        d.let("labels", f"1000 + torch.arange({n}, dtype=torch.float32)"
              + ("" if flat_labels else ".reshape(-1, 1)"))
        inputs = {"batch_size": batch_size, "features": features, "labels": labels,
                  "epochs": epochs, "max_batches": n + 10}
        return d.probe(F, inputs, SHOW.format(batch_size=batch_size, n=n))
    return build


# n is never divisible by the batch size, so a dropped last batch shows; the
# batch size is not the book's 10; "flat" gives labels of shape (n,).
PROBES = {"uneven": _probe(103, 10, 3, False, 2), "flat": _probe(53, 7, 2, True, 1)}


_parsed: dict[int, tuple] = {}     # id(observation) -> (observation, _epochs of it)


def _epochs(obs):
    """Per epoch: a list of (ids, X_batch, y_batch); or a failing verdict.
    Five checks read the same observations: each is parsed once."""
    hit = _parsed.get(id(obs))
    if hit is not None and hit[0] is obs:
        return hit[1]
    if len(_parsed) > 64:
        _parsed.clear()
    out = _parse_epochs(obs)
    _parsed[id(obs)] = (obs, out)
    return out


def _parse_epochs(obs):
    out = []
    for ep in obs.result["epochs"]:
        if not ep["iterable"]:
            return fail("data_iter.not_iterable", **observed(ep["returned"]))
        if ep["truncated"]:
            return fail("data_iter.endless", n=len(obs.probe.inputs["features"]),
                        cap=obs.probe.inputs["max_batches"])
        batches = []
        for item in ep["batches"]:
            pair = tensor_pair(item, F, "data_iter.not_pairs")
            if isinstance(pair, Verdict):
                return pair
            Xd, yd = (tensor_of(part) for part in pair)
            if Xd.dim() != 2 or Xd.shape[1] != obs.probe.inputs["features"].shape[1] \
                    or yd.numel() != Xd.shape[0]:
                return fail("data_iter.not_pairs",
                            observed_en=f"a batch of X {tuple(Xd.shape)} and y {tuple(yd.shape)}",
                            observed_zh=f"X 形状为 {tuple(Xd.shape)}、y 形状为 {tuple(yd.shape)} 的一批")
            batches.append((Xd[:, 0].round().long(), Xd, yd.reshape(-1)))
        out.append(batches)
    return out


def _all(obs, fn):
    for o in obs.values():
        eps = _epochs(o)
        if not isinstance(eps, list):
            return eps
        for batches in eps:
            verdict = fn(o, batches)
            if not verdict.passed:
                return verdict
    return PASS


def _batches(o, batches):
    n, bs = len(o.probe.inputs["features"]), o.probe.inputs["batch_size"]
    sizes = [len(ids) for ids, _, _ in batches]
    expected = [bs] * (n // bs) + ([n % bs] if n % bs else [])
    if sizes == expected:
        return PASS
    if sizes == [bs] * (n // bs):
        return fail("data_iter.drops_last", n=n, batch_size=bs, seen=sum(sizes), remainder=n % bs)
    shown = ", ".join(map(str, sizes[:12])) + (", ..." if len(sizes) > 12 else "")
    want = ", ".join(map(str, expected[:12])) + (", ..." if len(expected) > 12 else "")
    return fail("data_iter.wrong_batch_size", sizes=f"[{shown}]", expected=f"[{want}]")


def _each_once(o, batches):
    n, bs = len(o.probe.inputs["features"]), o.probe.inputs["batch_size"]
    ids = torch.cat([i for i, _, _ in batches]) if batches else torch.zeros(0, dtype=torch.long)
    distinct = int(torch.unique(ids).numel())
    if ids.numel() == n and distinct == n and bool(((ids >= 0) & (ids < n)).all()):
        return PASS
    if distinct == ids.numel() == n - n % bs:
        return fail("data_iter.drops_last", n=n, batch_size=bs, seen=ids.numel(), remainder=n % bs)
    if distinct < ids.numel() and (o.result or {}).get("features_changed"):
        return fail("data_iter.shuffles_tensor", duplicates=ids.numel() - distinct)
    if distinct < ids.numel():
        return fail("data_iter.with_replacement", duplicates=ids.numel() - distinct,
                    missing=n - distinct)
    return fail("data_iter.not_each_once", n=n, seen=ids.numel(), distinct=distinct)


def _aligned(o, batches):
    if not batches:
        return PASS
    features = o.probe.inputs["features"]
    n = len(features)
    ids = torch.cat([i for i, _, _ in batches])
    X = torch.cat([x.double() for _, x, _ in batches])      # float32 data: exact in float64
    y = torch.cat([t.double() for _, _, t in batches])
    inside = (ids >= 0) & (ids < n)
    row_ok = inside & (X == features.double()[ids.clamp(0, n - 1)]).all(dim=1) \
        & (y == 1000 + ids.double())
    bad = int((~row_ok).sum())
    return PASS if bad == 0 else fail("data_iter.misaligned", bad=bad, total=len(ids))


def _order(batches):
    return torch.cat([i for i, _, _ in batches]) if batches else torch.zeros(0, dtype=torch.long)


def _shuffled(o, batches):
    """Spearman's rank correlation between position and index.

    For a uniformly random order of n items it has mean 0 and sd 1/sqrt(n - 1),
    so |rho| <= Z / sqrt(n - 1) (0.59 for n = 103; 0.80 for n = 53). A test per
    epoch, three epochs: false alarm < 6.0e-9. The exact identity order is
    reported by name.
    """
    order = _order(batches)
    n = order.numel()
    if n < 3:
        return PASS
    if torch.equal(order, torch.arange(n)):
        return fail("data_iter.not_shuffled")
    ranks = torch.empty(n, dtype=torch.float64)
    ranks[order.argsort()] = torch.arange(n, dtype=torch.float64)
    # positions and ranks are both 0..n-1, so Pearson's r of the two is 1 - 6 sum d^2 / (n^3 - n)
    d = ranks - torch.arange(n, dtype=torch.float64)
    rho = 1.0 - 6.0 * float((d * d).sum()) / (n ** 3 - n)
    if abs(rho) <= Z / math.sqrt(n - 1):
        return PASS
    return fail("data_iter.not_random", rho=fmt(rho))


def fresh_order(obs):
    """Two calls on the same data must give different orders.

    Two independent uniformly random orders of 103 examples coincide with
    probability 1/103!, so a false alarm is impossible in practice.
    """
    eps = _epochs(obs["uneven"])
    if not isinstance(eps, list):
        return eps
    first, second = (_order(b) for b in eps[:2])
    if torch.equal(first, second):
        return fail("data_iter.same_order")
    return PASS


# The judge of each check in the index (autograder.spec.CHECKS), by its id.
JUDGES = {
    "data_iter.batches": lambda obs: _all(obs, _batches),
    "data_iter.each_once": lambda obs: _all(obs, _each_once),
    "data_iter.aligned": lambda obs: _all(obs, _aligned),
    "data_iter.shuffled": lambda obs: _all(obs, _shuffled),
    "data_iter.fresh_order": fresh_order,
}
