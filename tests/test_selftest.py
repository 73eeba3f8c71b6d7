"""`autograder selftest`: the catalogue of named mistakes and correct variants, graded for the grader's mutation score.

The first test is how `make test` (and so CI) runs it. The others show that it can
fail: a catalogue with a "mistake" that is correct code, or a correct program that fails.
"""
from __future__ import annotations

import os
import subprocess
import sys

from autograder.model import CheckResult, Report
from autograder.selftest import mutants, score, variants
from tests.conftest import ROOT


def test_selftest_catches_and_names_every_mistake_and_fails_no_correct_program(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder", "selftest", "--config", str(ROOT / "course.yaml")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, env=dict(os.environ))
    print(proc.stdout)           # the mutation score, in the test's output (pytest -rA or -s shows it)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n, correct = len(mutants.MUTANTS), len(variants.VARIANTS) + 1
    assert f"caught in the right function  {n:>3}/{n:<3} 100.0%" in proc.stdout
    assert f"named                         {n:>3}/{n:<3} 100.0%" in proc.stdout
    assert f"false failures                  0/{correct}" in proc.stdout
    assert proc.stdout.rstrip().endswith("mutation score 100.0%: passed")


def test_the_catalogue_is_the_one_the_tests_use_and_its_reference_is_solutions():
    from samples import mutants as sample_mutants, variants as sample_variants

    assert sample_mutants.MUTANTS is mutants.MUTANTS and sample_variants.VARIANTS is variants.VARIANTS
    assert mutants.REFERENCE == (ROOT / "solutions" / "linreg.py").read_text(encoding="utf-8")


def _result(function: str, passed: bool, mistake: str | None = None) -> CheckResult:
    return CheckResult(f"{function}.x", function, f"{function}: x", passed, 1.0 if passed else 0.0, 1.0,
                       "public", mistake, "", 0)


def test_the_score_counts_what_it_claims():
    s = score.Score()
    mistake = score.Case("m", "no zeroing", "", "sgd", "sgd.no_zero_grad")
    s.add(mistake, Report("m", "", "", (_result("sgd", False, "sgd.no_zero_grad"), _result("training", False))))
    s.add(mistake, Report("m", "", "", (_result("sgd", False, "sgd.update"),)))          # caught, not named
    s.add(mistake, Report("m", "", "", (_result("sgd", True),)))                         # not caught
    s.add(mistake, Report("m", "", "", (_result("sgd", False, "sgd.no_zero_grad"),
                                        _result("linreg", False, "linreg.no_bias"))))   # blame leaked
    s.add(score.Case("c", "a variant", ""), Report("c", "", "", (_result("linreg", False, "linreg.no_bias"),)))
    assert (s.mistakes, s.caught, s.named, s.correct, s.false_failures) == (4, 2, 2, 1, 1)
    assert not s.passed
    text = s.text()
    assert "not caught: no zeroing" in text and "not named: no zeroing: expected sgd.no_zero_grad" in text
    assert "caught in the wrong function: no zeroing (sgd.no_zero_grad): linreg failed too" in text
    assert "false failure: a variant: linreg: x [linreg.no_bias]" in text
    assert text.endswith("FAILED (needs 100% caught and no false failure)")


def test_selftest_fails_on_a_mistake_it_cannot_catch_and_on_a_false_failure(monkeypatch, course):
    """Real grading of a catalogue that is wrong on purpose: a 'mistake' that is the reference
    itself, and a 'correct' program with sgd's gradients never zeroed."""
    wrong = next(m for m in mutants.MUTANTS if m.name == "no zeroing")
    monkeypatch.setattr(score, "cases", lambda: [
        score.Case("mistake-00", "the reference as a mistake", mutants.REFERENCE, "sgd", "sgd.no_zero_grad"),
        score.Case("correct-00", "no zeroing as correct", wrong.source())])
    result = score.run(course, jobs=1, progress=False)
    assert (result.mistakes, result.caught, result.correct, result.false_failures) == (1, 0, 1, 1)
    assert not result.passed
