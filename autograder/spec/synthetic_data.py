"""How synthetic_data(w, b, num_examples) is graded: its probes' inputs, its judges, what its exceptions mean."""
from __future__ import annotations

import math

import torch

from autograder.model import fail, Observation, PASS
from autograder.spec.base import Draw, fmt, shape, tensor_pair, Z

F = "synthetic_data"

# What the repro prints after the call: every property that the checks look at.
SHOW = """print(type(X).__name__, type(y).__name__)
print("shapes:", tuple(X.shape), tuple(y.shape), X.dtype, y.dtype)
print("X mean, sd:", round(float(X.mean()), 3), round(float(X.std()), 3))
noise = y.reshape(-1) - (X @ w + b)
print("y - (Xw + b) mean, sd:", round(float(noise.mean()), 4), round(float(noise.std()), 4))"""


def _probe(k: int, n: int):
    def build(seed: int):
        d = Draw(seed)
        w = d.randn("w", k)
        b = round(d.uniform(1.0, 3.0) * (1 if d.uniform(0, 1) < 0.5 else -1), 3)
        d.let("b", repr(b))
        return d.probe(F, {"w": w, "b": b, "n": n}, f"X, y = synthetic_data(w, b, {n})\n" + SHOW)
    return build


# len(w) = 2 and 1000 examples are the book's values; a hard-coded feature
# count hides there, so the probes use 1, 3 and 5 features.
# What an exception from the student's synthetic_data means, by its message:
# X with a fixed number of columns cannot be multiplied by a w of another length.
RAISES = [("size mismatch", "synthetic_data.features_mismatch"),
          ("cannot be multiplied", "synthetic_data.features_mismatch")]

PROBES = {"k1": _probe(1, 1500), "k3": _probe(3, 2000), "k5": _probe(5, 1000)}


def _pair(obs: Observation):
    """(X, y) tensors, or a failing verdict."""
    return tensor_pair(obs.result["returned"], F, "synthetic_data.not_a_pair")


def returns_pair(obs):
    for o in obs.values():
        got = _pair(o)
        if not isinstance(got, tuple):
            return got
    return PASS


def shapes(obs):
    for o in obs.values():
        got = _pair(o)
        if not isinstance(got, tuple):
            return got
        X, y = got
        n, k = o.probe.inputs["n"], len(o.probe.inputs["w"])
        facts = dict(n=n, k=k, X_shape=shape(X["shape"]), y_shape=shape(y["shape"]))
        if X["shape"] == [n, 2] and k != 2:
            return fail("synthetic_data.hardcoded_features", **facts)
        if X["shape"] != [n, k] or (y["shape"] not in ([n, 1], [n])):
            return fail("synthetic_data.wrong_shape", **facts)
        if y["shape"] == [n]:
            return fail("synthetic_data.flat_labels", **facts)
        if X["dtype"] != "float32" or y["dtype"] != "float32":
            return fail("synthetic_data.wrong_dtype", X_dtype=X["dtype"], y_dtype=y["dtype"])
    return PASS


def _usable(o):
    got = _pair(o)
    if not isinstance(got, tuple):
        return got
    X, y = got
    n, k = o.probe.inputs["n"], len(o.probe.inputs["w"])
    if X["shape"] != [n, k] or y["data"].numel() != n:
        facts = dict(n=n, k=k, X_shape=shape(X["shape"]), y_shape=shape(y["shape"]))
        if X["shape"] == [n, 2] and k != 2:
            return fail("synthetic_data.hardcoded_features", **facts)
        return fail("synthetic_data.wrong_shape", **facts)
    return X["data"].double(), y["data"].double().reshape(-1)


def features(obs):
    """Pooled entries of X against N(0, 1): mean, variance and excess kurtosis.

    For N values from N(0, 1): se(mean) = 1/sqrt(N), se(variance) = sqrt(2/N) and
    se(excess kurtosis) ~ sqrt(24/N). With N = 11,000 (probes k3 and k5, the
    probe k1 is left out to keep one test per statistic) the thresholds Z * se
    are 0.057, 0.081 and 0.28; a uniform distribution scaled to variance 1 has
    excess kurtosis -1.2, a Laplace one +3. Three tests: false alarm < 6.0e-9.
    """
    values = []
    for name in ("k3", "k5"):
        got = _usable(obs[name])
        if not isinstance(got, tuple):
            return got
        values.append(got[0].reshape(-1))
    x = torch.cat(values)
    N = x.numel()
    mean, var = float(x.mean()), float(x.var())
    kurt = float(((x - mean) ** 4).mean() / max(var, 1e-300) ** 2 - 3) if var > 0 else float("nan")
    ok = (abs(mean) <= Z / math.sqrt(N) and abs(var - 1) <= Z * math.sqrt(2 / N)
          and abs(kurt) <= Z * math.sqrt(24 / N))
    if ok:
        return PASS
    return fail("synthetic_data.features_not_normal", mean=fmt(mean), std=fmt(math.sqrt(var)),
                kurtosis=fmt(kurt), count=N)


def labels(obs):
    """Residuals r = y - (X w + b) against N(0, 0.01**2).

    Pooled over all probes, N = 4,500. Mean: |mean(r)| <= Z * 0.01 / sqrt(N) = 0.00089.
    Spread: s**2 / 0.01**2 has sd sqrt(2/N) = 0.021, so it must lie in 1 +- 0.127.
    Two tests: false alarm < 4.0e-9. Float32 rounding of y (about 1e-6) is far below.
    """
    res, res_nb, bs = [], [], []
    for o in obs.values():
        got = _usable(o)
        if not isinstance(got, tuple):
            return got
        X, y = got
        w, b = o.probe.inputs["w"].double(), float(o.probe.inputs["b"])
        xw = X @ w
        res.append(y - xw - b)
        res_nb.append(y - xw)
        bs.append(b)
    r, r_nb = torch.cat(res), torch.cat(res_nb)
    N, sigma = r.numel(), 0.01

    def fits(v):
        m, s2 = float(v.mean()), float(v.var())
        return abs(m) <= Z * sigma / math.sqrt(N) and abs(s2 / sigma**2 - 1) <= Z * math.sqrt(2 / N)

    if fits(r):
        return PASS
    mean, std = float(r.mean()), float(r.std())
    if fits(r_nb):
        return fail("synthetic_data.no_bias", residual_mean=fmt(mean), b=fmt(bs[0]))
    if abs(mean) <= Z * max(std, sigma) / math.sqrt(N):
        if std < 2e-5:   # float32 rounding of y alone leaves about 3e-7
            return fail("synthetic_data.no_noise", noise_std=fmt(std))
        return fail("synthetic_data.wrong_noise", noise_std=fmt(std))
    return fail("synthetic_data.wrong_labels", residual_mean=fmt(mean), noise_std=fmt(std))


# The judge of each check in the index (autograder.spec.CHECKS), by its id.
JUDGES = {
    "synthetic_data.returns": returns_pair,
    "synthetic_data.shapes": shapes,
    "synthetic_data.features": features,
    "synthetic_data.labels": labels,
}
