"""`autograder grade` as a user runs it: a real process, real files, real exit codes."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from tests.conftest import REFERENCE, ROOT, notebook
from samples.mutants import MUTANTS


def run(*args, cwd=ROOT, **kw):
    env = dict(os.environ, AUTOGRADER_SECRET="cli-test")
    if args and args[0] == "grade" and "--gradebook" not in args:
        args = (*args, "--gradebook", os.path.join(tempfile.mkdtemp(), "autograder.db"))
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    subs = tmp / "subs"
    subs.mkdir()
    (subs / "ref.py").write_text(REFERENCE)
    mutant = next(m for m in MUTANTS if m.name == "no reshape")
    (subs / "noreshape.py").write_text(mutant.source())
    (subs / "broken.ipynb").write_text('{"cells": [')
    (subs / "nb.ipynb").write_text(notebook(["import random\nimport torch", REFERENCE]))
    out = tmp / "out"
    # a course that hides the reshape check (the shipped one shows it)
    config = tmp / "course.yaml"
    config.write_text((ROOT / "course.yaml").read_text().replace(
        "squared_loss.reshape:     {points: 1, visibility: public}",
        "squared_loss.reshape:     {points: 1, visibility: hidden}"))
    proc = run("grade", str(subs), "--out", str(out), "--jobs", "2", "--config", str(config))
    return proc, out


def test_exit_0_and_a_results_json_per_submission(graded):
    proc, out = graded
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["broken", "nb", "noreshape", "ref"]


def test_results_json_follows_gradescope_schema(graded):
    _, out = graded
    data = json.loads((out / "ref" / "results.json").read_text())
    assert data["score"] == sum(t["score"] for t in data["tests"]) == sum(t["max_score"] for t in data["tests"])
    assert data["output_format"] == "md" and data["execution_time"] > 0
    functions = ("synthetic_data", "data_iter", "linreg", "squared_loss", "sgd", "training")
    for t in data["tests"]:
        assert t["name"].split(":")[0] in functions
        assert set(t) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert t["status"] == ("passed" if t["score"] == t["max_score"] else "failed")
        assert t["visibility"] in ("visible", "after_published")


def test_seeds_are_recorded_for_replay(graded):
    _, out = graded
    from autograder.grader.seeds import hidden_seed
    seeds = json.loads((out / "ref" / "seeds.json").read_text())
    assert seeds["public"] == 0 and seeds["hidden"] == hidden_seed(b"cli-test", "linreg", "ref")


def test_named_mistake_and_hidden_visibility(graded):
    _, out = graded
    data = json.loads((out / "noreshape" / "results.json").read_text())
    bad = [t for t in data["tests"] if t["status"] == "failed"]
    assert [t["name"].split(":")[0] for t in bad] == ["squared_loss"]
    assert "was not reshaped" in bad[0]["output"] and bad[0]["visibility"] == "after_published"
    assert "Reproduce" not in bad[0]["output"]        # hidden checks give no repro


def test_unreadable_notebook_gets_zero_and_the_reason(graded):
    _, out = graded
    data = json.loads((out / "broken" / "results.json").read_text())
    assert data["score"] == 0 and "invalid JSON" in data["output"]
    assert len(data["tests"]) == 17 and all("invalid JSON" in t["output"] for t in data["tests"])


def test_table_names_mistakes(graded):
    proc, _ = graded
    assert "squared_loss.no_reshape" in proc.stdout and "total" in proc.stdout


def test_fail_under_exits_1(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    (tmp_path / "a.py").write_text(mutant.source())
    proc = run("grade", str(tmp_path / "a.py"), "--out", str(tmp_path / "o"), "--fail-under", "23")
    assert proc.returncode == 1
    assert (tmp_path / "o" / "a" / "results.json").exists()


def test_chinese_feedback(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    (tmp_path / "a.py").write_text(mutant.source())
    proc = run("grade", str(tmp_path / "a.py"), "--out", str(tmp_path / "o"), "--lang", "zh")
    data = json.loads((tmp_path / "o" / "a" / "results.json").read_text())
    bad = [t for t in data["tests"] if t["status"] == "failed"]
    assert proc.returncode == 0 and "梯度" in bad[0]["output"] and "**错误**" in bad[0]["output"]
    assert bad[0]["name"] == "sgd: zeroes each parameter's gradient after the update"


@pytest.mark.parametrize("args, message", [
    (["grade", "nothing-here.py"], "nothing-here.py: no such file or directory"),
    (["grade", "solutions/linreg.py", "--config", "missing.yaml"], "missing.yaml: file not found"),
    (["grade", "solutions/linreg.py", "--jobs", "0"], "--jobs"),
    (["grade"], "the following arguments are required"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2_and_grade_nothing(tmp_path, args, message):
    proc = run(*args, "--out", str(tmp_path / "o")) if args[0] == "grade" and len(args) > 1 else run(*args)
    assert proc.returncode == 2 and message in proc.stderr
    assert not (tmp_path / "o").exists()


def test_bad_course_yaml_exits_2(tmp_path):
    (tmp_path / "course.yaml").write_text("limits: {probe_seconds: 0}\n")
    proc = run("grade", str(ROOT / "solutions" / "linreg.py"), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "course.yaml: limits.probe_seconds: expected a number greater than 0, got 0" in proc.stderr


def test_sigint_keeps_what_was_graded_and_exits_130(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a_fast.py").write_text(REFERENCE)
    (tmp_path / "course.yaml").write_text("limits: {cell_seconds: 60}\n")
    (subs / "b_slow.py").write_text("import time\ntime.sleep(60)\n")
    env = dict(os.environ, AUTOGRADER_SECRET="x")
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(subs), "--out",
                             str(tmp_path / "o"), "--jobs", "1", "--gradebook", str(tmp_path / "g.db")],
                            cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "o" / "a_fast" / "results.json").exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "1 of 2 submissions were graded" in err
    assert json.loads((tmp_path / "o" / "a_fast" / "results.json").read_text())["score"] > 0


def test_the_sandbox_mode_and_its_layers_are_reported_at_start(tmp_path):
    proc = run("grade", str(ROOT / "solutions" / "linreg.py"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("autograder: sandbox")]
    assert len(line) == 1
    assert "PID namespace" in line[0] and "network namespace" in line[0]
