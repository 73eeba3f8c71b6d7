"""`pytest --linreg linreg.py` in a student's folder, run by pytester as a separate pytest: items, failures, exit codes, JUnit.

The plugin is found through its entry point, as in a student's environment; each run
grades through the real sandbox.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from autograder import course, spec
from samples import hostile
from samples.mutants import MUTANTS
from tests import xunit
from tests.conftest import REFERENCE, ROOT

pytest_plugins = ["pytester"]

SHIPPED = course.load(ROOT / "course.yaml")
PUBLIC = [c for c in spec.CHECKS.values() if SHIPPED.check(c.id).visibility == "public"]
BUGGY = next(m for m in MUTANTS if m.name == "no zeroing")


def _run(pytester, *args):
    (pytester.path / "course.yaml").write_text((ROOT / "course.yaml").read_text())
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=300)


def test_each_public_check_is_an_item_named_as_in_results_json(pytester):
    (pytester.path / "linreg.py").write_text(REFERENCE)
    result = _run(pytester, "--linreg", "linreg.py", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    listed = [line.split("::", 1)[1] for line in result.outlines if line.startswith("linreg.py::")]
    assert listed == [c.name for c in PUBLIC]
    assert "data_iter: uses a new random order on every call" not in listed      # hidden in this course


def test_the_ini_option_names_the_file_relative_to_the_ini_file(pytester):
    (pytester.path / "work").mkdir()
    (pytester.path / "work" / "mine.py").write_text(REFERENCE)
    pytester.makeini("[pytest]\nlinreg = work/mine.py\n")
    result = _run(pytester, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    assert sum(line.startswith("work/mine.py::") for line in result.outlines) == len(PUBLIC)


def test_a_missing_file_is_a_usage_error(pytester):
    result = _run(pytester, "--linreg", "nothere.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "nothere.py: file not found" in result.stderr.str()


def test_a_correct_file_passes_every_public_check(pytester):
    (pytester.path / "linreg.py").write_text(REFERENCE)
    result = _run(pytester, "--linreg", "linreg.py")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=len(PUBLIC))
    result.stdout.fnmatch_lines([f"*linreg: {sum(SHIPPED.check(c.id).points for c in PUBLIC):g}/*points*"])


def test_a_mistake_fails_its_check_with_the_named_mistake_and_repro_and_junit_carries_the_points(
        pytester, monkeypatch):
    (pytester.path / "linreg.py").write_text(BUGGY.source())
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = _run(pytester, "--linreg", "linreg.py", "--junitxml", "junit.xml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=len(PUBLIC) - 2, failed=2)
    out = result.stdout.str()
    assert "Mistake (sgd.no_zero_grad)" in out and "Reproduce (seed" in out and "sgd([p0, p1]" in out
    assert "Traceback" not in out and "raise CheckFailed" not in out and "pytest_plugin.py" not in out
    # the annotation for GitHub, on the line of `def sgd`
    line = next(i for i, t in enumerate(BUGGY.source().splitlines(), 1) if t.startswith("def sgd("))
    result.stdout.fnmatch_lines([f"::error file=linreg.py,line={line},title=sgd%3A zeroes*"])
    assert "| check | points | mistake |" in summary.read_text()
    # JUnit: xunit1 by the plugin's default, valid against pytest's schema made xunit1,
    # and not against xunit2's, which has no <properties> in a testcase
    xml = (pytester.path / "junit.xml").read_text()
    xunit.xunit1().validate(xml)
    assert not xunit.xunit2().is_valid(xml)
    points = xunit.points(xml)
    expected = {c.name: SHIPPED.check(c.id).points for c in PUBLIC}
    lost = {"sgd: zeroes each parameter's gradient after the update",
            "training: the book's loop with your five functions recovers w and b"}
    assert points == {name: (0.0 if name in lost else p, p) for name, p in expected.items()}
    cases = {c.get("name"): c for c in ET.fromstring(xml).iter("testcase")}
    assert cases["sgd: updates each parameter by -lr * grad / batch_size"].get("line") == str(line - 1)
    assert "sgd.no_zero_grad" in cases["sgd: zeroes each parameter's gradient after the update"].find("failure").text


def test_a_hostile_file_costs_its_checks_only_and_a_projects_xunit2_is_respected(pytester):
    """os.kill(-1, SIGKILL) from sgd: pytest itself survives and reports; with the project's
    own junit_family=xunit2 the XML stays valid xunit2 (no points in it)."""
    (pytester.path / "linreg.py").write_text(hostile.KILL_ALL_IN_FUNCTION)
    result = _run(pytester, "--linreg", "linreg.py", "--junitxml", "junit.xml", "-o", "junit_family=xunit2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] >= 4 and outcomes["failed"] + outcomes.get("passed", 0) == len(PUBLIC)
    assert "any.lost" in result.stdout.str()
    xml = (pytester.path / "junit.xml").read_text()
    xunit.xunit2().validate(xml)
    assert "<properties>" not in xml
