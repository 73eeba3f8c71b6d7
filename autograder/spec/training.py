"""The end-to-end check: the book's training loop with all five student functions."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

from autograder.model import fail, PASS, Probe
from autograder.spec.base import fmt

F = "training"
TRUE_W, TRUE_B = (2.0, -3.4), 4.2

# The bounds. `python tools/training_bound.py 2000` runs the reference on 2,000 seeds:
#   max|w - true_w|: mean 6.5e-4, sd 3.5e-4, 99.9% quantile 2.0e-3, max 2.3e-3
#   |b - true_b|:    mean 5.2e-4, sd 3.6e-4, 99.9% quantile 1.9e-3, max 2.2e-3
# The error is what is left of the start (3.4 * 0.97**300 = 4e-4) plus SGD noise
# of sd about sqrt(lr / (2 * batch_size)) * 0.01 = 4e-4 per coordinate, both with
# light (Gaussian-like) tails. A bound of 0.01 is 27 sd above the mean error and
# 4.4 times the largest of 2,000 runs; a Gaussian tail puts the reference's miss
# rate far below 1e-6. Implementations that stop short of convergence leave
# errors of 0.1 and more, so they still fail.
W_BOUND = 0.01
B_BOUND = 0.01


LOOP = """import random
import numpy as np
import torch
random.seed({seed}); np.random.seed({seed} % 2**32); torch.manual_seed({seed})
true_w, true_b = torch.tensor([2, -3.4]), 4.2
features, labels = synthetic_data(true_w, true_b, 1000)
w = torch.normal(0, 0.01, size=(2, 1), generator=torch.Generator().manual_seed({seed}))
w.requires_grad_(True)
b = torch.zeros(1, requires_grad=True)
for epoch in range(3):
    for X, y in data_iter(10, features, labels):
        l = squared_loss(linreg(X, w, b), y)
        l.sum().backward()
        sgd([w, b], 0.03, 10)
print(true_w - w.reshape(true_w.shape), true_b - b)"""


def _build(seed: int):
    # w starts where the grader says, so that the trace's first step can be checked
    w0 = torch.normal(0, 0.01, size=(2, 1), generator=torch.Generator().manual_seed(seed))
    inputs = {"true_w": torch.tensor(TRUE_W), "true_b": TRUE_B, "n": 1000, "lr": 0.03,
              "epochs": 3, "batch_size": 10, "w0": w0}
    return Probe(F, inputs, LOOP.format(seed=seed))


PROBES = {"book": _build}

# ---- the trace: a report of convergence must be explained step by step ---------
#
# The report comes from the submission's process, which its own code controls, so
# the grader checks it rather than trust it. The far side reports the data that
# synthetic_data made, every batch, and w and b before every step. A converged
# report passes only if
#   * w starts at the grader's w0 and b at 0;
#   * every batch has at most batch_size rows, each a row (features, label) of the data;
#   * every step moves w and b by -c times the gradient of the book's loss on the
#     batch (with the gradients of earlier steps added, for an sgd that never zeroes
#     them), with one constant c > 0 for the whole run;
#   * and c is what the student's own sgd does with the training's lr and batch_size,
#     as its own probes observed it (SGD_FORMS: the book's step, or one with a
#     hard-coded lr or batch size, or no division), times a scale of the loss
#     (LOSS_SCALES).
# The data and the order of the batches are the submission's own to report: a
# forged dataset converges to the true w only if the steps on it are real ones.
# A correct run passes with c = lr / batch_size. A report made up in the submission's
# process (w = true_w, or steps that its own sgd does not take) does not.
STEP_RTOL = 0.02           # a step may differ from -c * gradient by 2% of its size,
STEP_ATOL = 1e-6           # plus float32 rounding of w (about 2.4e-7 at |w| = 2)
SCALE_RTOL = 0.02


def LOSS_SCALES(bs: int) -> tuple[float, ...]:  # noqa: N802 - a table, by batch size
    """How much a variant of the loss scales the book's gradient: the book's and a sum
    (1), no 1/2 (2), a mean (1 / batch_size), a mean without the 1/2 (2 / batch_size)."""
    return (1.0, 2.0, 1 / bs, 2 / bs)
SGD_PROBES = ("sgd:two", "sgd:three")


def _sgd_factor(o) -> float | None:
    """What the student's sgd moved each parameter by, in units of -grad, in one of its
    own probes (lr * 1 / batch_size for the book's, 0 when it does not move); None when
    its update is not a multiple of the gradient."""
    if o is None or o.status != "ok":
        return None
    deltas, grads = [], []
    for spec, after in zip(o.probe.inputs["params"], o.result["params"]):
        new = after["data"].get("data")
        if new is None or tuple(new.shape) != tuple(spec["data"].shape):
            return None
        deltas.append((new.double() - spec["data"].double()).reshape(-1))
        grads.append(-spec["grad"].double().reshape(-1))
    delta, unit = torch.cat(deltas), torch.cat(grads)
    a = float((delta * unit).sum() / (unit * unit).sum())
    if not math.isfinite(a) or not torch.allclose(delta, a * unit, rtol=1e-3, atol=1e-6):
        return None
    return a


# How an sgd's step may depend on lr and batch_size: alpha * lr**p * batch_size**q.
# (1, 1, -1) is the book's; a hard-coded lr is (0.03, 0, -1), no division (1, 1, 0), ...
SGD_FORMS = ((1, -1), (0, -1), (1, 0), (0, 0))


def _sgd_steps(obs, lr: float, bs: int) -> list[float] | None:
    """What the student's sgd, as its own probes observed it, moves by in units of -grad
    with the training's ``lr`` and ``bs``: one value per form of SGD_FORMS that explains
    every probe. None when no form does (or no probe ran)."""
    seen = []
    for name in SGD_PROBES:
        o = obs.get(name)
        a = _sgd_factor(o)
        if a is None:
            continue
        seen.append((a, float(o.probe.inputs["lr"]), int(o.probe.inputs["batch_size"])))
    if not seen:
        return None
    found = []
    for p, q in SGD_FORMS:
        alphas = [a / (lr_ ** p * bs_ ** q) for a, lr_, bs_ in seen]
        if all(abs(x - alphas[0]) <= 1e-3 * max(abs(alphas[0]), 1e-12) for x in alphas):
            found.append(alphas[0] * lr ** p * bs ** q)
    return found or None


def _trace_problem(obs) -> str | None:
    """Why the training report's trace does not explain its result, or None."""
    probe, r = obs["book"].probe, obs["book"].result
    t = r.get("trace")
    if not isinstance(t, dict):
        return r.get("untraced") if isinstance(r.get("untraced"), str) else "it carried no trace of its steps"
    inputs = probe.inputs
    lr, bs = float(inputs["lr"]), int(inputs["batch_size"])
    try:
        features, labels = t["features"].double(), t["labels"].double().reshape(-1)
        X, y, sizes = t["X"].double(), t["y"].double().reshape(-1), t["sizes"].long()
        W = torch.cat([t["w"].double(), r["w"].double().reshape(1, -1)])
        B = torch.cat([t["b"].double().reshape(-1), r["b"].double().reshape(-1)])
    except (KeyError, AttributeError, RuntimeError, TypeError):
        return "its trace was not of the expected form"
    d = len(inputs["true_w"])
    steps = len(sizes)
    if features.dim() != 2 or features.shape[1] != d or len(labels) != len(features) or \
            X.dim() != 2 or X.shape[1] != d or len(y) != len(X) or int(sizes.sum()) != len(X) or \
            W.shape != (steps + 1, d) or B.shape != (steps + 1,) or steps == 0:
        return "its trace was not of the expected form"
    if not all(bool(torch.isfinite(v).all()) for v in (features, labels, X, y, W, B)):
        return "its trace holds values that are not finite"
    if not torch.equal(W[0].float(), inputs["w0"].reshape(-1)) or float(B[0]) != 0.0:
        return "w and b did not start where the loop starts them"
    if int(sizes.max()) > bs or int(sizes.min()) < 1:
        return f"a batch had more than {bs} rows"
    if not _rows_among(torch.cat([X, y[:, None]], 1), torch.cat([features, labels[:, None]], 1)):
        return "a batch held an example that is not in the data"
    step = torch.repeat_interleave(torch.arange(steps), sizes)
    residual = (X * W[:-1][step]).sum(1) + B[:-1][step] - y
    grad = torch.zeros(steps, d + 1, dtype=torch.float64)
    grad.index_add_(0, step, torch.cat([X * residual[:, None], residual[:, None]], 1))
    moved = torch.cat([W[1:] - W[:-1], (B[1:] - B[:-1])[:, None]], 1)
    fitted = [c for c in (_step_scale(moved, g, W) for g in (grad, grad.cumsum(0))) if c is not None]
    if not fitted:
        return "its steps are not gradient steps of the book's loss on its batches"
    c = fitted[0]
    steps = _sgd_steps(obs, lr, bs)
    if steps is None:
        return "your sgd's own update is not a step along the gradient, so its steps cannot be checked"
    if not any(abs(c - a * s) <= SCALE_RTOL * abs(a * s) for a in steps for s in LOSS_SCALES(bs)):
        unit = lr / bs
        return (f"its steps were {c / unit:.4g} x lr * grad / batch_size, but your sgd's own steps "
                f"are {steps[0] / unit:.4g} x that")
    return None


def _rows_among(rows: torch.Tensor, data: torch.Tensor) -> bool:
    """Whether every row of ``rows`` is, bit for bit, a row of ``data`` (float64 both)."""
    as_bytes = np.dtype((np.void, 8 * data.shape[1]))
    def view(t):
        return np.ascontiguousarray(t.numpy()).view(as_bytes).ravel()
    return bool(np.isin(view(rows), view(data)).all())


def _step_scale(moved, grad, W) -> float | None:
    """The one c > 0 with moved = -c * grad at every step, within rounding; or None."""
    den = float((grad * grad).sum())
    if den == 0.0:
        return None
    c = -float((moved * grad).sum()) / den
    if not math.isfinite(c) or c <= 0:
        return None
    slack = STEP_RTOL * (c * grad).abs().amax(1) + STEP_ATOL * (1 + W[:-1].abs().amax(1))
    if bool(((moved + c * grad).abs().amax(1) <= slack).all()):
        return c
    return None


def converges(obs):
    r = obs["book"].result
    losses = [float(x) for x in r["losses"]]
    shown = "[" + ", ".join(fmt(x) for x in losses) + "]"
    w, b = r["w"].double(), r["b"].double()
    if not all(math.isfinite(x) for x in losses) or not bool(torch.isfinite(w).all()):
        return fail("training.diverged", losses=shown)
    w_err = float((w - torch.tensor(TRUE_W, dtype=torch.float64)).abs().max())
    b_err = float((b - TRUE_B).abs().max())
    if w_err <= W_BOUND and b_err <= B_BOUND:
        problem = _trace_problem(obs)
        if problem is None:
            return PASS
        return fail("training.unverified", reason=problem, w_error=fmt(w_err), b_error=fmt(b_err))
    return fail("training.not_converged", w_error=fmt(w_err), b_error=fmt(b_err),
                w_bound=W_BOUND, b_bound=B_BOUND, losses=shown)


# The judge of each check in the index (autograder.spec.CHECKS), by its id.
JUDGES = {
    "training.converges": converges,
}


# ---- what the student's page plots: loss per epoch beside the reference's, and the fit ----

PLOT_POINTS = 150          # examples drawn in the scatter: enough to see the line, a small page


@lru_cache(maxsize=8)
def reference_losses(seed: int) -> tuple[float, ...]:
    """The mean loss per epoch of the book's reference functions, trained as the probe
    trains (same w0, lr, batch size and epochs), on data of the same seed. Computed here,
    in the grader, from the reference alone; cached, as the public seed is one per course."""
    gen = torch.Generator().manual_seed(seed)
    true_w = torch.tensor(TRUE_W)
    X = torch.normal(0, 1, (1000, len(true_w)), generator=gen)
    y = (X @ true_w + TRUE_B + torch.normal(0, 0.01, (1000,), generator=gen)).reshape(-1, 1)
    w = torch.normal(0, 0.01, size=(2, 1), generator=torch.Generator().manual_seed(seed))
    b = torch.zeros(1)
    losses = []
    for _ in range(3):
        order = torch.randperm(1000, generator=gen)
        for i in range(0, 1000, 10):
            idx = order[i:i + 10]
            residual = X[idx] @ w + b - y[idx]                    # gradient of sum((.)**2 / 2)
            w -= 0.03 * (X[idx].T @ residual) / 10
            b -= 0.03 * residual.sum(0) / 10
        losses.append(float((((X @ w + b) - y) ** 2 / 2).mean()))
    return tuple(losses)


def curves(observation, seed: int) -> dict | None:
    """Plain numbers for the two plots (sinks.plots) from training's observation, or None
    when training did not run to its end. Nothing here is trusted: it is drawn, not judged."""
    if observation is None or observation.status != "ok" or not isinstance(observation.result, dict):
        return None
    r = observation.result
    try:
        losses = [float(x) for x in r["losses"][:20]]      # the loop has 3 epochs; a forged report more
        w = [float(v) for v in r["w"].reshape(-1)[:2]]
        b = float(r["b"].reshape(-1)[0])
    except (KeyError, AttributeError, TypeError, ValueError, IndexError, RuntimeError):
        return None
    points = []
    trace = r.get("trace")
    if isinstance(trace, dict):
        try:
            features, labels = trace["features"], trace["labels"].reshape(-1)
            if features.dim() == 2 and features.shape[1] >= 2 and len(labels) == len(features):
                keep = slice(0, PLOT_POINTS)
                points = [[round(float(x), 4), round(float(v), 4)]
                          for x, v in zip(features[keep, 1], labels[keep])
                          if math.isfinite(float(x)) and math.isfinite(float(v))]
        except (KeyError, AttributeError, TypeError, RuntimeError):
            points = []
    return {"losses": [x if math.isfinite(x) else repr(x) for x in losses],
            "reference": list(reference_losses(seed)), "w": w, "b": b,
            "true_w": list(TRUE_W), "true_b": TRUE_B, "points": points}
