"""`autograder` and check() find course.yaml the same way: --config or config=, then
$AUTOGRADER_CONFIG, then the nearest course.yaml at or above the working folder; else
both say so and use the same defaults."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograder import course
from tests.conftest import REFERENCE, ROOT


def test_the_order_explicit_then_variable_then_nearest(tmp_path):
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / "course.yaml").write_text("seed: 1\n")
    other = tmp_path / "other.yaml"
    other.write_text("seed: 2\n")
    assert course.locate(None, deep, {}) == tmp_path / "course.yaml"
    assert course.locate(None, deep, {"AUTOGRADER_CONFIG": str(other)}) == other
    assert course.locate("x.yaml", deep, {"AUTOGRADER_CONFIG": str(other)}) == Path("x.yaml")
    (tmp_path / "course.yaml").unlink()
    assert course.locate(None, deep, {}) is None


def _grade_reference(cwd: Path) -> tuple[subprocess.CompletedProcess, dict]:
    (cwd / "ref.py").write_text(REFERENCE)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "ref.py", "--out", "out",
                           "--gradebook", "g.db", "--quiet"], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "AUTOGRADER_SECRET": "discovery"})
    assert done.returncode == 0, done.stderr
    return done, json.loads((cwd / "out" / "ref" / "results.json").read_text())


def test_the_command_walks_up_as_check_does(tmp_path):
    deep = tmp_path / "week1" / "notebooks"
    deep.mkdir(parents=True)
    (tmp_path / "course.yaml").write_text((ROOT / "course.yaml").read_text().replace(
        "training.converges:       {points: 3,", "training.converges:       {points: 7,"))
    done, results = _grade_reference(deep)
    assert results["score"] == 27
    assert "no course.yaml" not in done.stderr


def test_without_a_course_yaml_it_says_so_and_uses_the_defaults(tmp_path):
    done, results = _grade_reference(tmp_path)
    assert "no course.yaml" in done.stderr and "built-in defaults" in done.stderr
    assert results["score"] == 23
    hidden = [t["name"] for t in results["tests"] if t["visibility"] == "after_published"]
    assert hidden == ["data_iter: uses a new random order on every call"]
