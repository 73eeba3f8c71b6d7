"""Every Reproduce snippet runs as it is, pasted below the student's own code in a fresh
interpreter, and the one for an order that never changes shows it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from samples.mutants import MUTANTS

REPRO = "```python\n"


@pytest.fixture(scope="module")
def everything_public(course):
    """Hidden checks give no repro: here every check is public (fresh_order included)."""
    from autograder.course import CheckSetting
    return course.model_copy(update={"checks": {cid: CheckSetting(points=c.points, visibility="public")
                                                for cid, c in course.checks.items()}})


def _snippets(report):
    for r in report.results:
        if not r.passed and REPRO in (r.message or ""):
            yield r, r.message.split(REPRO, 1)[1].split("```", 1)[0]


def _run(source: str, snippet: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", source + "\n\n" + snippet], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.name in (
    "no reshape", "no zeroing", "no shuffle", "same order every epoch", "drops the last batch",
    "no / 2", "element-wise product", "hard-coded lr")], ids=lambda m: m.name)
def test_each_repro_runs_in_a_fresh_interpreter(grade, everything_public, mutant):
    report = grade(mutant.source(), settings=everything_public)
    snippets = list(_snippets(report))
    assert snippets, "a public check failed without a repro"
    for result, snippet in snippets:
        if result.function == "training":
            continue        # the whole loop: checked by test_reference_seeds
        done = _run(mutant.source(), snippet)
        # it runs, or it fails where the student's function does, as the check said
        assert "NameError" not in done.stderr and "SyntaxError" not in done.stderr, done.stderr[-800:]
        assert done.returncode == 0 or f"in {result.function}" in done.stderr, (result.id, done.stderr[-800:])


def test_the_same_order_repro_shows_the_same_order(grade, everything_public):
    mutant = next(m for m in MUTANTS if m.name == "same order every epoch")
    report = grade(mutant.source(), settings=everything_public)
    (result, snippet), = [(r, s) for r, s in _snippets(report) if r.mistake == "data_iter.same_order"]
    assert "the same order" in _run(mutant.source(), snippet).stdout
    reference = next(m for m in MUTANTS if m.name == "no reshape")       # its data_iter is the book's
    assert "a new order" in _run(reference.source(), snippet).stdout
