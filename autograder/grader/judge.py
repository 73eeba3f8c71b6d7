"""From observations to a Verdict: a probe that did not return, the check's own judge, the signature.

The judge of each check is a pure function in ``spec.<function>.JUDGES``; this module
adds what every check shares: what a raise, a hang, a crash or a missing function
means, and the hint when the student's parameters are not the book's.
"""
from __future__ import annotations

import difflib

from autograder import spec
from autograder.model import Observation, Verdict, fail
from autograder.spec.base import shape


def _signature_problem(function: str, names: dict) -> dict | None:
    params = (names.get(function) or {}).get("params")
    expected = spec.SIGNATURES.get(function)
    if params is None or expected is None or any(p.startswith("*") for p in params):
        return None
    if list(params) == list(expected):
        return None
    if sorted(params) == sorted(expected) or len(params) != len(expected):
        return {"function": function, "params": ", ".join(params),
                "expected_params": ", ".join(expected)}
    return None


def _suggestion(function: str, names: dict) -> str | None:
    """The name the student most likely meant: the closest by edit distance (a typo such as
    `linereg`), else a known alias (`net` for linreg), else a near match by difflib."""
    candidates = [n for n in names if n not in spec.SIGNATURES]
    near = sorted((_distance(function.lower(), n.lower()), n) for n in candidates)
    if near and near[0][0] <= max(1, len(function) // 4):
        return near[0][1]
    for alias in spec.ALIASES.get(function, ()):
        if alias in candidates:
            return alias
    close = difflib.get_close_matches(function, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def _distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _from_status(check: spec.Check, obs: Observation, names: dict, limits) -> Verdict:
    """A verdict for a probe that did not return normally."""
    function = check.function
    err = obs.error or {}
    if obs.status == "missing":
        if function == "training":
            missing = [f for f in spec.FUNCTIONS if f not in names]
            return fail("training.needs_functions", missing=", ".join(f"`{m}`" for m in missing))
        alt = _suggestion(function, names)
        return fail("any.missing_function", function=function,
                    suggestion_en=f"; did you mean `{alt}`?" if alt else ".",
                    suggestion_zh=f"；你是想写 `{alt}` 吗？" if alt else "。")
    if obs.status == "raised":
        message = err.get("message", "")
        for pattern, mistake in getattr(spec.module(function), "RAISES", []):
            if pattern in message:
                shapes = {f"{k}_shape": shape(v.shape) for k, v in obs.probe.inputs.items()
                          if hasattr(v, "shape")}
                return fail(mistake, error_message=message, function=function,
                            detail_en=f" and raised `{message}`", detail_zh=f"，并抛出了 `{message}`",
                            **shapes)
        where = err.get("where")
        at_en = f" (at `{where['file']}`, line {where['line']}: `{where['code']}`)" if where else ""
        at_zh = f"（位于 `{where['file']}` 第 {where['line']} 行：`{where['code']}`）" if where else ""
        if err.get("type") == "NotImplementedError":
            return fail("any.not_implemented", function=function)
        if err.get("type") in ("SystemExit", "KeyboardInterrupt"):
            return fail("any.exited", function=function,
                        error_message_en=f"it raised {err['type']} ({message}){at_en}",
                        error_message_zh=f"{err['type']}（{message}）{at_zh}")
        return fail("any.raised", function=function, error_type=err.get("type", "an error"),
                    error_message=message, where_en=at_en, where_zh=at_zh)
    if obs.status == "blocked":
        return fail("training.blocked", blocked=err.get("function"),
                    reason=err.get("message") or err.get("status"))
    if obs.status == "timeout" and err.get("type") == "budget":
        return fail("any.out_of_budget", function=function, budget=f"{limits.submission_seconds:g}")
    if obs.status == "timeout" and function == "training" and err.get("inside") in spec.FUNCTIONS:
        return fail("training.timed_out", inside=err["inside"], limit=f"{limits.training_seconds:g}")
    if obs.status == "timeout":
        limit = limits.training_seconds if function == "training" else limits.probe_seconds
        return fail("any.timed_out", function=function, limit=f"{limit:g}")
    if obs.status == "exited":
        return fail("any.exited", function=function, error_message=err.get("message", "exit"))
    if obs.status == "crashed" and err.get("type") == "scratch":     # container mode's cap on files
        return fail("any.filled_scratch", function=function, error_message=err.get("message", "too much"))
    if obs.status == "crashed":
        return fail("any.crashed", function=function, error_message=err.get("message", "crash"))
    return fail("any.lost", function=function, error_message=err.get("message", "the process ended"))


def judge(check: spec.Check, observations: dict[str, Observation], names: dict, limits) -> Verdict:
    """The Verdict of one check on what its probes observed."""
    # another function's probes that a check reads (training reads sgd's) never decide it
    bad = next((o for o in observations.values() if o.status != "ok" and o.probe.kind == check.function),
               None)
    if check.function != "training" and any((o.result or {}).get("d2l") for o in observations.values()):
        verdict = fail("any.uses_d2l", function=check.function)
    elif bad is not None:
        verdict = _from_status(check, bad, names, limits)
    else:
        try:
            verdict = check.judge(observations)
        except Exception as exc:  # noqa: BLE001 - odd returns must not stop the grading
            verdict = fail("any.uncheckable", function=check.function,
                           detail=f"{type(exc).__name__}: {exc}")
    if not verdict.passed and check.function in spec.SIGNATURES:
        problem = _signature_problem(check.function, names)
        if problem and verdict.mistake != "any.missing_function":
            return fail("any.wrong_signature", **problem)
    return verdict
