"""Grade one submission: plan probes, run them in the sandbox, judge, score.

The flow is load -> sandbox -> checks -> scoring. Only the sandbox step touches
student code, and it does so in another process.
"""
from __future__ import annotations

import difflib
import hashlib
import hmac
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from autograder import FUNCTIONS, __version__
from autograder.checks import ALIASES, CHECKS, MODULES, SIGNATURES
from autograder.checks.base import Check, Observation, Verdict, fail, probe_seed, shape
from autograder.mistakes import CATALOGUE
from autograder.pool import Worker
from autograder.settings import Settings
from autograder.submission import Submission

LABELS = {
    "en": {"mistake": "Mistake", "hint": "Hint", "repro": "Reproduce", "seed": "seed",
           "passed": "Passed."},
    "zh": {"mistake": "错误", "hint": "提示", "repro": "复现", "seed": "种子", "passed": "通过。"},
}


@dataclass(frozen=True)
class CheckResult:
    id: str
    function: str
    name: str
    passed: bool
    score: float
    max_score: float
    visibility: str
    mistake: str | None
    output: str
    seed: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    submission_id: str
    path: str
    sha256: str
    results: tuple[CheckResult, ...]
    output: tuple[str, ...] = ()
    seconds: float = 0.0
    public_seed: int = 0
    hidden_seed: int = 0
    version: str = __version__

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    def function_scores(self) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for r in self.results:
            got, total = out.get(r.function, (0.0, 0.0))
            out[r.function] = (got + r.score, total + r.max_score)
        return out

    def to_dict(self) -> dict:
        data = asdict(self)
        data["results"] = [r.to_dict() for r in self.results]
        data["output"] = list(self.output)
        return data


def hidden_seed(secret: bytes, assignment: str, submission_id: str) -> int:
    digest = hmac.new(secret, f"{assignment}/{submission_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# ---- from observations to verdicts ------------------------------------------

def _signature_problem(function: str, names: dict) -> dict | None:
    params = (names.get(function) or {}).get("params")
    expected = SIGNATURES.get(function)
    if params is None or expected is None or any(p.startswith("*") for p in params):
        return None
    if list(params) == list(expected):
        return None
    if sorted(params) == sorted(expected) or len(params) != len(expected):
        return {"function": function, "params": ", ".join(params),
                "expected_params": ", ".join(expected)}
    return None


def _suggestion(function: str, names: dict) -> str | None:
    candidates = [n for n in names if n not in SIGNATURES]
    for alias in ALIASES.get(function, ()):
        if alias in candidates:
            return alias
    close = difflib.get_close_matches(function, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def _from_status(check: Check, obs: Observation, names: dict, limits) -> Verdict:
    """A verdict for a probe that did not return normally."""
    function = check.function
    err = obs.error or {}
    if obs.status == "missing":
        if function == "training":
            missing = [f for f in FUNCTIONS if f not in names]
            return fail("training.needs_functions", missing=", ".join(f"`{m}`" for m in missing))
        alt = _suggestion(function, names)
        return fail("any.missing_function", function=function,
                    suggestion_en=f"; did you mean `{alt}`?" if alt else ".",
                    suggestion_zh=f"；你是想写 `{alt}` 吗？" if alt else "。")
    if obs.status == "raised":
        message = err.get("message", "")
        for pattern, mistake in getattr(MODULES.get(function), "RAISES", []):
            if pattern in message:
                shapes = {f"{k}_shape": shape(v.shape) for k, v in obs.probe.inputs.items()
                          if hasattr(v, "shape")}
                return fail(mistake, error_message=message, function=function,
                            detail=f" and raised `{message}`", **shapes)
        where = err.get("where")
        at = f" (at {where['file']}, line {where['line']}: `{where['code']}`)" if where else ""
        if err.get("type") == "NotImplementedError":
            return fail("any.not_implemented", function=function)
        if err.get("type") in ("SystemExit", "KeyboardInterrupt"):
            return fail("any.exited", function=function, error_message=f"it raised {err['type']} "
                        f"({message}){at}")
        return fail("any.raised", function=function, error_type=err.get("type", "an error"),
                    error_message=message, where=at)
    if obs.status == "blocked":
        return fail("training.blocked", blocked=err.get("function"),
                    reason=err.get("message") or err.get("status"))
    if obs.status == "timeout":
        limit = limits.training_seconds if function == "training" else limits.probe_seconds
        return fail("any.timed_out", function=function, limit=f"{limit:g}")
    if obs.status == "exited":
        return fail("any.exited", function=function, error_message=err.get("message", "exit"))
    if obs.status == "crashed":
        return fail("any.crashed", function=function, error_message=err.get("message", "crash"))
    return fail("any.lost", function=function, error_message=err.get("message", "the process ended"))


def judge(check: Check, observations: dict[str, Observation], names: dict, limits) -> Verdict:
    bad = next((o for o in observations.values() if o.status != "ok"), None)
    if bad is not None:
        verdict = _from_status(check, bad, names, limits)
    else:
        try:
            verdict = check.judge(observations)
        except Exception as exc:  # noqa: BLE001 - odd returns must not stop the grading
            verdict = fail("any.uncheckable", function=check.function,
                           detail=f"{type(exc).__name__}: {exc}")
    if not verdict.passed and check.function in SIGNATURES:
        problem = _signature_problem(check.function, names)
        if problem and verdict.mistake != "any.missing_function":
            return fail("any.wrong_signature", **problem)
    return verdict


def feedback(check: Check, verdict: Verdict, language: str, repro: str | None, seed: int) -> str:
    labels = LABELS[language]
    if verdict.passed:
        return labels["passed"]
    mistake = CATALOGUE[verdict.mistake]
    desc, hint = mistake.text(language, verdict.facts)
    text = f"**{labels['mistake']}** (`{mistake.id}`): {desc}\n\n**{labels['hint']}:** {hint}"
    if repro:
        text += (f"\n\n**{labels['repro']}** ({labels['seed']} {seed}):\n\n```python\n{repro}\n```")
    return text


# ---- running a submission --------------------------------------------------

@dataclass
class _Plan:
    """Which probes run, for which (function, probe name, visibility)."""
    probes: dict = field(default_factory=dict)    # key -> (Probe, seed)

    def add(self, check: Check, name: str, visibility: str, base_seed: int):
        key = (check.function, name, visibility)
        if key not in self.probes:
            seed = probe_seed(base_seed, f"{check.function}.{name}")
            self.probes[key] = (MODULES[check.function].PROBES[name](seed), seed)
        return key


def _cell_notes(submission: Submission, cells: list[dict]) -> list[str]:
    notes = []
    for cell in cells:
        if cell["status"] in ("ok", "skipped"):
            continue
        err = cell.get("error") or {}
        where = err.get("where")
        at = f" at line {where['line']}: `{where['code']}`" if where else ""
        what = f"{err.get('type', cell['status'])}: {err.get('message', '')}"
        if cell["status"] == "timeout":
            what = err.get("message", "it timed out")
        unit = "importing the file" if submission.kind == "py" else f"code cell {cell['index'] + 1}"
        verb = {"raised": "raised", "timeout": "was stopped:", "exited": "ended the process:",
                "crashed": "crashed:"}.get(cell["status"], cell["status"])
        notes.append(f"{unit} {verb} {what}{at}")
    return notes


def plan_checks(checks, settings: Settings, seeds: dict) -> tuple[_Plan, dict]:
    """The probes the checks need: one per (function, probe, visibility)."""
    plan = _Plan()
    wanted = {}
    for check in checks:
        vis = settings.check(check.id).visibility
        wanted[check.id] = {name: plan.add(check, name, vis, seeds[vis]) for name in check.probes}
    return plan, wanted


def results_for(checks, settings: Settings, plan: _Plan, wanted: dict, observed: dict,
                names: dict, reason: str | None) -> list[CheckResult]:
    """Judge every check on what its probes observed, and score it."""
    results = []
    for check in checks:
        setting = settings.check(check.id)
        keys = wanted[check.id]
        probe, seed = plan.probes[keys[check.probes[0]]]
        if reason is not None:
            verdict = fail("any.not_loaded", reason=reason)
        else:
            verdict = judge(check, {name: observed[key] for name, key in keys.items()},
                            names, settings.limits)
        repro = probe.repro if setting.visibility == "public" and reason is None else None
        results.append(CheckResult(
            id=check.id, function=check.function, name=check.name, passed=verdict.passed,
            score=setting.points if verdict.passed else 0.0, max_score=setting.points,
            visibility=setting.visibility, mistake=verdict.mistake,
            output=feedback(check, verdict, settings.language, repro, seed), seed=seed))
    return results


def grade(worker: Worker, submission: Submission, settings: Settings, secret: bytes,
          seeds: dict | None = None, parallel: int = 1,
          sandbox_done: Callable[[], None] | None = None) -> Report:
    """Grade one submission. ``seeds`` replays a recorded grading exactly; ``parallel``
    groups of probes may run at once (cores to spare when few submissions run at once).
    ``sandbox_done()`` is called once the submission's processes are gone, before the
    judging, which runs in this process."""
    start = time.monotonic()
    seeds = seeds or {"public": settings.seed,
                      "hidden": hidden_seed(secret, settings.assignment, submission.id)}
    checks = list(CHECKS.values())
    plan, wanted = plan_checks(checks, settings, seeds)
    output: list[str] = []
    observed: dict[tuple, Observation] = {}
    names: dict = {}
    reason = submission.error
    if reason:
        output.append(reason)
    else:
        limits = settings.limits.model_dump()
        session = worker.spawn(limits)
        try:
            cells, names = session.load(submission.to_dict(), limits)
            output.extend(_cell_notes(submission, cells))
            if submission.kind == "py" and cells and cells[0]["status"] in ("exited", "crashed", "timeout"):
                names = None    # the import itself died: nothing it defined survives
            if names is None:
                reason = session.dead or "its process ended while the cells ran"
                if submission.kind == "py" and cells and cells[-1]["status"] != "ok":
                    reason = output[-1]
                output.append(f"the submission could not be run to the end: {reason}")
                names = {}
            else:
                observed = run_probes(session, plan, names, settings.limits, parallel)
        finally:
            session.close()
    if sandbox_done is not None:
        sandbox_done()
    results = results_for(checks, settings, plan, wanted, observed, names, reason)
    return Report(submission.id, submission.path, submission.sha256, tuple(results), tuple(output),
                  round(time.monotonic() - start, 3), seeds["public"], seeds["hidden"])


def run_probes(session, plan: _Plan, names: dict, limits, parallel: int = 1) -> dict[tuple, Observation]:
    """Run the plan's probes in forks of the submission's process: side by side when
    ``parallel`` > 1, the five functions' probes in one fork and training in another;
    otherwise all of them in turn in one fork, training last. Before each probe the
    fork restores the state the cells left (``probes.State``), so a probe starts as if
    it had a fork of its own and the verdicts do not depend on ``parallel``. A
    function that hangs or exhausts its memory is not probed again, and training,
    which would call it, is stopped or not run: a hang costs one limit."""
    observed: dict[tuple, Observation] = {}
    by_function: dict[str, list] = {}
    for key, (probe, seed) in plan.probes.items():
        by_function.setdefault(key[0], []).append((key, probe, seed))
    groups = {"functions": [], "training": []}
    for function in sorted(by_function, key=lambda f: FUNCTIONS.index(f) if f in FUNCTIONS else 99):
        entries = by_function[function]
        needed = FUNCTIONS if function == "training" else (function,)
        if any(f not in names for f in needed):
            observed.update({key: Observation(probe, seed, "missing") for key, probe, seed in entries})
            continue
        limit = limits.training_seconds if function == "training" else limits.probe_seconds
        groups["training" if function == "training" else "functions"] += [
            {"id": "/".join(key), "function": function, "needs": list(needed), "kind": probe.kind,
             "inputs": probe.inputs, "seed": seed, "limit": limit} for key, probe, seed in entries]
    if parallel > 1:    # training takes longest: first, beside the others
        groups = [{"name": name, "items": groups[name]} for name in ("training", "functions")
                  if groups[name]]
    else:               # one fork and exit fewer; training last, so that a function
        # found hanging first keeps it from running at all
        items = groups["functions"] + groups["training"]
        groups = [{"name": "probes", "items": items}] if items else []
    outcomes = session.probes(groups, parallel) if groups else {}
    for entries in by_function.values():
        for key, probe, seed in entries:
            if key in observed:
                continue
            msg = outcomes.get("/".join(key)) or {"status": "lost"}
            observed[key] = Observation(probe, seed, msg.get("status", "lost"), msg.get("result"),
                                        msg.get("error"))
    return observed
