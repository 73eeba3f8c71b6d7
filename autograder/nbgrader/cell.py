"""What a generated nbgrader test cell calls: one check, its message on stdout, its points as the cell's value.

nbgrader scores a test cell from its outputs (``nbgrader.utils.determine_grade``):
an error or anything on stderr is 0, otherwise the cell's last expression, a number
between 0 and the cell's points, is the score. So ``grade_cell`` writes nothing to
stderr (warnings included, and what forks write to file descriptor 2), prints our
verdict and message to stdout and returns the points earned. It runs the same
checks, seeds and messages as `autograder grade`, in forks of the kernel's process
(``autograder.check.LocalSession``). Hidden checks get the course-level seed that
the cell carries (written in by `autograder nbgrader init`); the kernel knows
neither the course secret nor the student, so per-student seeds come only from
`autograder grade` and `autograder nbgrader sync`.

While `autograder grade` runs a notebook, ``grade_cell`` does nothing.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path


@contextlib.contextmanager
def _quiet_stderr():
    """sys.stderr and file descriptor 2 go nowhere: the kernel would send either as a stderr stream."""
    saved = sys.stderr
    sys.stderr = io.StringIO()
    try:
        fd = os.dup(2)
    except OSError:
        fd = None
    try:
        if fd is not None:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)
        yield
    finally:
        if fd is not None:
            os.dup2(fd, 2)
            os.close(fd)
        sys.stderr = saved


def grade_cell(check_id: str, points: float, seed: int | None = None, namespace: dict | None = None,
               config: str | Path | None = None) -> float | None:
    """Run one check on the notebook's functions; print its verdict; return ``points`` or 0.0.

    ``seed`` is the seed of a hidden check (the cell's course-level seed); without it the
    check runs as a public one with course.yaml's public seed. The settings (limits, language)
    come from ``config``, else $AUTOGRADER_CONFIG (the generated kernel sets it), else the
    nearest course.yaml."""
    if os.environ.get("AUTOGRADER_GRADING"):
        return None
    ns = namespace if namespace is not None else vars(sys.modules["__main__"])
    try:
        with _quiet_stderr():
            passed, text = _run(check_id, seed, ns, config)
    except Exception as exc:  # noqa: BLE001 - an error output would be nbgrader's 0 with a traceback
        passed, text = False, (f"{check_id}: the check could not run "
                               f"({type(exc).__name__}: {str(exc)[:300]})\n")
    sys.stdout.write(text)
    sys.stdout.flush()
    return float(points) if passed else 0.0


def _run(check_id: str, seed: int | None, ns: dict, config) -> tuple[bool, str]:
    from autograder import course, spec
    from autograder.check import LocalSession, plain_text
    from autograder.course import CheckSetting
    from autograder.grader import one, plan as plan_mod
    from autograder.sandbox.far import runner

    if check_id not in spec.CHECKS:
        raise ValueError(f"unknown check {check_id!r}")
    settings = course.load(course.locate(config, Path.cwd(), os.environ))
    visibility = "public" if seed is None else "hidden"
    setting = CheckSetting(points=settings.check(check_id).points, visibility=visibility)
    settings = settings.model_copy(update={"checks": {**settings.checks, check_id: setting}})
    checks = [spec.CHECKS[check_id]]
    seeds = {"public": settings.seed, "hidden": seed if seed is not None else 0}
    plan, wanted = plan_mod.plan_checks(checks, settings, seeds)
    names = runner.inventory(ns)
    observed = one.run_probes(LocalSession(ns), plan, names, settings.limits)
    result = one.results_for(checks, settings, plan, wanted, observed, names, None)[0]
    mark = "✅" if result.passed else "❌"
    text = f"{mark} **{result.name}**" + ("" if result.passed else "\n\n" + result.message)
    return result.passed, plain_text(text)
