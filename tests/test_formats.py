"""`autograder grade --format junit|github|json`: a class of a correct, a buggy and a hostile submission, graded by the real command.

Standard output holds the machine format alone (the table goes to standard error); the
JUnit XML is valid xunit1 with each check's points read back from it; each GitHub
annotation is one workflow command on the line of the real file that defines the
function, and nothing a submission says can end that command or start another.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograder import spec
from autograder.model import safe_id
from samples import hostile
from samples.mutants import MUTANTS
from tests import xunit
from tests.conftest import REFERENCE, ROOT, notebook

HOSTILE = hostile.WORKFLOW_COMMANDS
BUGGY = next(m for m in MUTANTS if m.name == "no zeroing").source()
COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _run(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, AUTOGRADER_SECRET="formats", **(env or {})))


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """class/: alice (correct), bob (buggy), mal,line=1:x (hostile, with a name made of the
    separators of a workflow command), and nb.ipynb (bob's mistake in a notebook)."""
    assert "def linreg(X, w, b):\n    raise RuntimeError" in HOSTILE and "::notice title=pwned" in HOSTILE
    root = tmp_path_factory.mktemp("formats")
    folder = root / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(REFERENCE)
    (folder / "bob.py").write_text(BUGGY)
    (folder / "mal,line=1:x.py").write_text(HOSTILE)
    (folder / "nb.ipynb").write_text(notebook(["import random\nimport torch", BUGGY]))
    return root


def _grade(klass, fmt, *extra, env=None):
    return _run("grade", "class", "--format", fmt, "--out", "out", "--gradebook", "autograder.db",
                "--config", str(ROOT / "course.yaml"), "--jobs", "2", *extra, cwd=klass, env=env)


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def _annotations(stdout: str) -> list[tuple[str, dict, str]]:
    found = []
    for line in stdout.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in match.group(2).split(",")) if match.group(2) else {}
        found.append((match.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(match.group(3))))
    return found


def _line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_github_annotations_point_at_the_def_and_the_job_summary_has_the_points(klass):
    summary = klass / "summary.md"
    proc = _grade(klass, "github", env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(klass)})
    assert proc.returncode == 0, proc.stderr
    assert "submission" in proc.stderr and "total" in proc.stderr          # the table went to stderr
    found = _annotations(proc.stdout)                                       # every line is one command
    by_file: dict[str, list] = {}
    for kind, props, message in found:
        by_file.setdefault(props["file"], []).append((kind, props, message))
    assert set(by_file) == {"class/alice.py", "class/bob.py", "class/mal,line=1:x.py", "class/nb.ipynb"}
    assert [k for k, _, _ in by_file["class/alice.py"]] == ["notice"]
    assert "alice: 23/23 points" in by_file["class/alice.py"][0][2]
    # bob: the sgd check fails on the line of `def sgd` in the real file; training, which has no
    # line of its own, on the file
    errors = [(p, m) for k, p, m in by_file["class/bob.py"] if k == "error"]
    sgd = [(p, m) for p, m in errors if p["title"].startswith("sgd: zeroes")]
    assert len(sgd) == 1 and sgd[0][0]["line"] == str(_line_of(klass / "class" / "bob.py", "def sgd("))
    assert "sgd.no_zero_grad" in sgd[0][1] and "sgd([p0, p1]" in sgd[0][1]      # the mistake and the repro
    assert {p["title"].split(":")[0] for p, _ in errors} == {"sgd", "training"}
    assert all("line" not in p for p, _ in errors if p["title"].startswith("training"))
    # the notebook: the line of the .ipynb (JSON) that holds `def sgd(` in the cell's source
    nb = [p for k, p, _ in by_file["class/nb.ipynb"] if k == "error" and p["title"].startswith("sgd:")]
    assert nb and nb[0]["line"] == str(_line_of(klass / "class" / "nb.ipynb", '"def sgd('))
    # the hostile one: its text is inside one command each time, never a command of its own
    mal = by_file["class/mal,line=1:x.py"]
    assert any(k == "error" and p["line"] == str(_line_of(klass / "class" / "mal,line=1:x.py", "def linreg("))
               and "::notice title=pwned::" in m for k, p, m in mal)
    assert any(k == "warning" and "::stop-commands::" in m for k, p, m in mal)
    assert not any("pwned" in line.split("::", 2)[1] for line in proc.stdout.splitlines())
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
    table = summary.read_text()
    assert "| `alice` | 5/5 | 5/5 | 3/3 | 3/3 | 4/4 | 3/3 | **23/23** |" in table
    assert re.search(r"\| `bob` .*\| 3/4 \| 0/3 \| \*\*19/23\*\* \|", table), table


def test_junit_is_valid_xunit1_and_gives_back_every_checks_points(klass):
    proc = _grade(klass, "junit")
    assert proc.returncode == 0, proc.stderr
    xunit.xunit1().validate(proc.stdout)
    root = ET.fromstring(proc.stdout)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert len(suites) == 4 and "alice" in suites and "bob" in suites
    for name, suite in suites.items():
        results = json.loads((klass / "out" / name / "results.json").read_text())
        points = xunit.points(ET.tostring(suite, encoding="unicode"))
        assert points == {t["name"]: (t["score"], t["max_score"]) for t in results["tests"]}, name
        assert len(points) == len(spec.CHECKS)
    failures = {c.get("name"): c.find("failure") for c in suites["bob"].iter("testcase")}
    failed = {n: f.get("message") for n, f in failures.items() if f is not None}
    assert failed == {"sgd: zeroes each parameter's gradient after the update": "sgd.no_zero_grad",
                      "training: the book's loop with your five functions recovers w and b": "training.not_converged"}
    # the hostile text stays text: no testcase of its making, the escape written visibly
    mal = suites[safe_id("mal,line=1:x")]
    assert [c.get("name") for c in mal.iter("testcase")] == [c.name for c in spec.CHECKS.values()]
    assert "fake" not in {c.get("name") for c in root.iter("testcase")}
    assert "\\x1b[2K" in ET.tostring(mal, encoding="unicode")


def test_json_to_a_file_with_fail_under_max(klass):
    proc = _grade(klass, "json", "--format-out", "run.json", "--fail-under", "max")
    assert proc.returncode == 1, proc.stderr              # bob and the others are below full marks
    assert proc.stdout == ""                              # the file holds the format, stderr the table
    data = json.loads((klass / "run.json").read_text())
    assert {s["id"] for s in data["submissions"]} == {"alice", "bob", "nb", safe_id("mal,line=1:x")}
    for sub in data["submissions"]:
        results = json.loads((klass / "out" / sub["id"] / "results.json").read_text())
        assert sub["tests"] == results["tests"] and sub["score"] == results["score"]
    assert data["summary"]["count"] == 4 and data["summary"]["full_marks"] == 1
    only_alice = _run("grade", "class/alice.py", "--format", "json", "--fail-under", "max", "--out", "out",
                      "--gradebook", "autograder.db", "--config", str(ROOT / "course.yaml"), cwd=klass)
    assert only_alice.returncode == 0, only_alice.stderr
    assert json.loads(only_alice.stdout)["submissions"][0]["score"] == 23


def test_format_out_without_format_is_a_usage_error(klass):
    proc = _run("grade", "class", "--format-out", "x.xml", cwd=klass)
    assert proc.returncode == 2 and "--format-out" in proc.stderr


@pytest.mark.parametrize("fmt", ["json", "junit", "github"])
def test_a_failed_hidden_check_says_only_that_it_failed_in_every_format(tmp_path, fmt):
    """data_iter.fresh_order is hidden in the shipped course: what it tried stays out of every
    format a student may read, the JSON one included."""
    from autograder.sinks.feedback import WORDS
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "dave.py").write_text(
        next(m for m in MUTANTS if m.name == "same order every epoch").source())
    done = _grade(tmp_path, fmt)
    assert done.returncode == 0, done.stderr
    shown = done.stdout if fmt != "github" else _unescape(done.stdout)
    # its inputs (the repro, its seed) and its message stay out; its name and mistake id may show
    assert "Reproduce" not in shown and "manual_seed" not in shown and "the same order" not in shown, shown[:2000]
    if fmt == "json":
        [dave] = json.loads(done.stdout)["submissions"]
        [hidden] = [t for t in dave["tests"] if t["name"] == spec.CHECKS["data_iter.fresh_order"].name]
        assert hidden["score"] == 0 and hidden["output"] == WORDS["en"]["hidden"]
