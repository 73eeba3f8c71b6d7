"""An output folder that is read-only or fills up, and SIGTERM: a clear message, and nothing graded is lost.

The folders are real: a tmpfs mounted read-only, or with a size too small for the class,
in a mount namespace of the test's own (as root, or in a user namespace otherwise).
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REFERENCE, ROOT

SLEEPER = REFERENCE + "\nimport time\ntime.sleep(1000)\n"


def _in_mount(folder: Path, options: str, *args: str) -> subprocess.CompletedProcess:
    """Run `autograder ARGS` with a tmpfs mounted on ``folder`` (mount ``options``)."""
    folder.mkdir(parents=True, exist_ok=True)
    command = (f"mount -t tmpfs -o {shlex.quote(options)} tmpfs {shlex.quote(str(folder))} && "
               + shlex.join([sys.executable, "-m", "autograder", *args]))
    unshare = ["unshare", "--mount", "--propagation", "private"] + ([] if os.geteuid() == 0 else ["-r"])
    env = dict(os.environ, AUTOGRADER_SECRET="faults")
    return subprocess.run([*unshare, "sh", "-c", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def _class(tmp_path: Path, n: int) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(n):
        (subs / f"s{i:02d}.py").write_text(REFERENCE)
    return subs


def _graded(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]


def test_a_read_only_out_is_a_clear_error_before_grading(tmp_path):
    subs = _class(tmp_path, 2)
    out, db = tmp_path / "out", tmp_path / "autograder.db"
    proc = _in_mount(out, "ro,size=1m", "grade", str(subs), "--out", str(out), "--gradebook", str(db))
    assert proc.returncode == 3, proc.stderr
    assert f"{out}: the output folder cannot be written: Read-only file system" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_full_out_stops_with_the_file_named_and_loses_nothing(tmp_path):
    subs = _class(tmp_path, 6)
    out, db = tmp_path / "out", tmp_path / "autograder.db"
    proc = _in_mount(out, "size=40k", "grade", str(subs), "--out", str(out), "--gradebook", str(db))
    assert proc.returncode == 3, proc.stderr
    assert "could not be written: No space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr
    # the tmpfs is gone with the namespace; what it said it graded is in the gradebook
    found = re.search(r"; (\d+) graded submissions are in ", proc.stderr)
    assert found, proc.stderr
    said = int(found.group(1))
    assert said == _graded(db) >= 1, proc.stderr
    # a second run into a folder with room writes every file, and grades nothing again
    out2 = tmp_path / "out2"
    env = dict(os.environ, AUTOGRADER_SECRET="faults")
    again = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out2),
                            "--gradebook", str(db)], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(list(out2.glob("*/results.json"))) == 6
    assert f"({6 - said} graded, {said} unchanged and skipped)" in again.stderr


def test_no_temporary_file_is_left_when_a_write_fails(tmp_path):
    from autograder.errors import OutputError
    from autograder.sinks.results_json import write_atomic
    target = tmp_path / "results.json"
    target.mkdir()                      # a folder where the file should be: the rename fails
    try:
        write_atomic(target, "{}")
    except OutputError as exc:
        assert str(target) in str(exc)
    else:
        raise AssertionError("no OutputError")
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_sigterm_is_handled_as_sigint(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.py").write_text(REFERENCE)
    for i in range(4):
        (subs / f"z{i}.py").write_text(SLEEPER)
    out, db = tmp_path / "out", tmp_path / "autograder.db"
    env = dict(os.environ, AUTOGRADER_SECRET="faults")
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                             "--gradebook", str(db), "--jobs", "1"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "a" / "results.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "autograder: terminated (SIGTERM); " in err and "Traceback" not in err
    said = int(err.split("terminated (SIGTERM); ")[1].split(" of ")[0])
    assert said == _graded(db) >= 1
    assert (out / "a" / "results.json").exists()
