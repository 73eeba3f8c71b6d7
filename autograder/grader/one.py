"""Grade one submission: plan its probes, run them on the sandbox's far side, judge, score, word.

Only the sandbox step touches student code, and it does so in another process;
the verdict is computed here, from what came back.
"""
from __future__ import annotations

import time
from typing import Callable

from autograder import spec
from autograder.course import Settings
from autograder.grader import render
from autograder.grader.judge import judge
from autograder.grader.plan import Plan, groups, plan_checks, probe_id
from autograder.grader.seeds import hidden_seed
from autograder.model import CheckResult, Observation, Report, Submission, fail
from autograder.sandbox.client import Zygote


def results_for(checks, settings: Settings, plan: Plan, wanted: dict, observed: dict,
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
            message=render.message(verdict, settings.language, repro, seed), seed=seed))
    return results


def grade(zygote: Zygote, submission: Submission, settings: Settings, secret: bytes,
          seeds: dict | None = None, parallel: int = 1,
          sandbox_done: Callable[[], None] | None = None) -> Report:
    """Grade one submission. ``seeds`` replays a recorded grading exactly; ``parallel``
    groups of probes may run at once (cores to spare when few submissions run at once).
    ``sandbox_done()`` is called once the submission's processes are gone, before the
    judging, which runs in this process."""
    start = time.monotonic()
    seeds = seeds or {"public": settings.seed,
                      "hidden": hidden_seed(secret, settings.assignment, submission.id)}
    checks = list(spec.CHECKS.values())
    plan, wanted = plan_checks(checks, settings, seeds)
    notes: list[str] = list(submission.notes)     # what reading it found (a timestamp.txt that is wrong)
    observed: dict[tuple, Observation] = {}
    names: dict = {}
    reason = submission.error
    if reason:
        notes.append(reason)
    else:
        limits = settings.limits.model_dump()
        session = zygote.spawn(limits)
        try:
            cells, names = session.load(submission.to_dict(), limits)
            try:
                notes.extend(render.cell_notes(submission, cells, settings.language))
            except Exception as exc:  # noqa: BLE001 - what a submission's process sent
                notes.append(_unreadable(exc))
            if submission.kind == "py" and cells and cells[0]["status"] in ("exited", "crashed", "timeout"):
                names = None    # the import itself died: nothing it defined survives
            if names is None:
                reason = session.dead or "its process ended while the cells ran"
                if submission.kind == "py" and cells and cells[-1]["status"] != "ok":
                    reason = notes[-1]
                notes.append(f"the submission could not be run to the end: {reason}")
                names = {}
            else:
                observed = run_probes(session, plan, names, settings.limits, parallel)
        finally:
            session.close()
    if sandbox_done is not None:
        sandbox_done()
    try:
        results = results_for(checks, settings, plan, wanted, observed, names, reason)
    except Exception as exc:  # noqa: BLE001 - a forged report must cost its submission only
        reason = _unreadable(exc)
        notes.append(reason)
        results = results_for(checks, settings, plan, wanted, {}, {}, reason)
    return Report(submission.id, submission.path, submission.sha256, tuple(results), tuple(notes),
                  round(time.monotonic() - start, 3), seeds["public"], seeds["hidden"],
                  curves=training_curves(settings, plan, wanted, observed),
                  submitted_at=submission.submitted_at)


def training_curves(settings: Settings, plan: Plan, wanted: dict, observed: dict) -> dict | None:
    """What the student's page plots of training; only when training is a public check,
    since a hidden check never shows what it tried."""
    check = spec.CHECKS["training.converges"]
    if check.id not in wanted or settings.check(check.id).visibility != "public":
        return None
    key = wanted[check.id][check.probes[0]]
    return spec.module("training").curves(observed.get(key), plan.probes[key][1])


def _unreadable(exc: Exception) -> str:
    """The note for a report from the submission's process that could not be judged."""
    return (f"what the submission's process reported could not be read "
            f"({type(exc).__name__}: {str(exc)[:200]}); its process may have written to the "
            "grader's channel itself")


def run_probes(session, plan: Plan, names: dict, limits, parallel: int = 1) -> dict[tuple, Observation]:
    """Run the plan's probes in forks of the submission's process (``plan.groups``).
    Before each probe the fork restores the state the cells left (``sandbox.far.state``),
    so a probe starts as if it had a fork of its own and the verdicts do not depend on
    ``parallel``. A function that hangs or exhausts its memory is not probed again, and
    training, which would call it, is stopped or not run: a hang costs one limit."""
    batches, observed = groups(plan, names, limits, parallel)
    outcomes = session.probes(batches, parallel) if batches else {}
    for key, (probe, seed) in plan.probes.items():
        if key in observed:
            continue
        msg = outcomes.get(probe_id(key)) or {"status": "lost"}
        observed[key] = Observation(probe, seed, msg.get("status", "lost"), msg.get("result"),
                                    msg.get("error"))
    return observed
