"""nbgrader's tree read as nbgrader means it (one assignment, timestamp.txt, due and late), the test
cells' contract with nbgrader, our gradebook's schema 2, and databases that are not ours."""
from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from autograder import course as settings_mod
from autograder.errors import ConfigError, GradebookError
from autograder.inputs.discover import discover, parse_timestamp
from autograder.check import grade_cell
from autograder.store.gradebook import Gradebook
from samples.mutants import MUTANTS
from tests.conftest import REFERENCE, ROOT

DUE = "due: 2026-12-01T23:59:00+01:00\n"      # 22:59 UTC
NO_RESHAPE = next(m for m in MUTANTS if m.expected == "squared_loss.no_reshape")
SAME_ORDER = next(m for m in MUTANTS if m.expected == "data_iter.same_order")


def autograder(*args, cwd, code=0):
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_CONFIG", "AUTOGRADER_GRADING")}
    done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stderr[-3000:]
    return done


def _submit(root: Path, student: str, assignment: str, source: str, stamp: str | None = None) -> Path:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True)
    (folder / f"{assignment}.py").write_text(source)
    if stamp is not None:
        (folder / "timestamp.txt").write_text(stamp)
    return folder


def test_only_course_yaml_assignment_is_graded_and_each_other_one_is_noted_once(tmp_path):
    (tmp_path / "course.yaml").write_text("assignment: linreg\n")
    _submit(tmp_path, "alice", "linreg", REFERENCE)
    hw2 = _submit(tmp_path, "alice", "hw2", NO_RESHAPE.source())
    (hw2 / "extra.py").write_text("x = 1\n")          # two files: still one note for the folder
    os.utime(hw2 / "hw2.py", (2e9, 2e9))              # newer: `--several latest` would have taken it
    _submit(tmp_path, "bob", "hw2", REFERENCE)
    sources = discover([str(tmp_path / "submitted")], several="latest", assignment="linreg", skipped=(notes := []))
    assert [(s.id, Path(s.path).name) for s in sources] == [("alice", "linreg.py")]
    assert notes == [f"{tmp_path / 'submitted' / 'alice' / 'hw2'}: assignment 'hw2' is not course.yaml's "
                     "assignment 'linreg'; skipped",
                     f"{tmp_path / 'submitted' / 'bob' / 'hw2'}: assignment 'hw2' is not course.yaml's "
                     "assignment 'linreg'; skipped"]
    done = autograder("grade", "submitted", "--several", "latest", "--quiet", cwd=tmp_path)
    assert done.stderr.count("is not course.yaml's assignment") == 2
    assert "submitted/alice/hw2: assignment 'hw2'" in done.stderr
    with Gradebook(tmp_path / "autograder.db") as book:
        [row] = book.submissions()
    assert (row["student"], row["assignment"], row["score"]) == ("alice", "linreg", row["max_score"])
    assert Path(row["path"]).parent.name == "linreg"


def test_timestamp_past_due_is_flagged_late_in_the_export(tmp_path):
    (tmp_path / "course.yaml").write_text("assignment: linreg\n" + DUE)
    _submit(tmp_path, "ann", "linreg", REFERENCE, "2026-12-01 22:58:59.999999 UTC")
    _submit(tmp_path, "ben", "linreg", REFERENCE, "2026-12-01 23:30:00 +0100")   # 22:30 UTC: on time
    _submit(tmp_path, "cat", "linreg", REFERENCE, "2026-12-01 22:59:00.000001 UTC")
    _submit(tmp_path, "dan", "linreg", REFERENCE)
    _submit(tmp_path, "eve", "linreg", REFERENCE, "yesterday, honest")
    autograder("grade", "submitted", "--quiet", cwd=tmp_path)
    autograder("export", "csv", cwd=tmp_path)
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "autograder-grades.csv").open())}
    assert {s: rows[s]["late"] for s in rows} == {"ann": "no", "ben": "no", "cat": "yes", "dan": "", "eve": ""}
    assert rows["cat"]["submitted_at"] == "2026-12-01T22:59:00.000001+00:00"
    assert rows["ben"]["submitted_at"] == "2026-12-01T22:30:00+00:00"
    results = (tmp_path / "results" / "eve" / "feedback.md").read_text()
    assert "timestamp.txt: not a timestamp" in results
    # a new timestamp.txt beside the same file is stored without grading it again
    (tmp_path / "submitted" / "ann" / "linreg" / "timestamp.txt").write_text("2026-12-03 09:00:00 UTC")
    again = autograder("grade", "submitted", "--quiet", cwd=tmp_path)
    assert "0 graded, 5 unchanged" in again.stderr
    autograder("export", "csv", cwd=tmp_path)
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "autograder-grades.csv").open())}
    assert rows["ann"]["late"] == "yes"


def test_timestamps_are_read_as_nbgrader_reads_them():
    utc = timezone.utc
    assert parse_timestamp("2026-12-01 10:00:00.123456 UTC") == datetime(2026, 12, 1, 10, 0, 0, 123456, utc)
    assert parse_timestamp("2026-12-01 11:00:00 +0100\n") == datetime(2026, 12, 1, 10, tzinfo=utc)
    assert parse_timestamp("2026-12-01 05:00:00 America/New_York") == datetime(2026, 12, 1, 10, tzinfo=utc)
    assert parse_timestamp("2026-12-01T10:00:00Z") == datetime(2026, 12, 1, 10, tzinfo=utc)
    assert parse_timestamp("2026-12-01 10:00:00") == datetime(2026, 12, 1, 10, tzinfo=utc)   # naive: UTC
    for bad in ("", "soon", "2026-13-01 10:00:00", "2026-12-01 10:00:00 Mars/Olympus"):
        with pytest.raises(ValueError):
            parse_timestamp(bad)


def test_due_must_be_iso_8601_with_a_timezone():
    assert settings_mod.parse({"due": "2026-12-01T23:59:00Z"}).late("2026-12-02T00:00:00+00:00") is True
    assert settings_mod.parse({}).late("2026-12-02T00:00:00+00:00") is None
    for bad, said in (("2026-12-01T23:59:00", "expected a timezone"), ("next friday", "ISO 8601"),
                      (20261201, "ISO 8601")):
        with pytest.raises(ConfigError, match=f"course.yaml: due: .*{said}"):
            settings_mod.parse({"due": bad})
    # the due date grades nothing: changing it grades nothing again
    assert settings_mod.parse({"due": "2026-12-01T23:59:00Z"}).grading_hash() == settings_mod.parse({}).grading_hash()


# a squared_loss that writes to stderr, as Python and as a C library would
NOISY = """
_loss = squared_loss
def squared_loss(y_hat, y):
    import os, sys, warnings
    warnings.warn("noise")
    print("noise", file=sys.stderr)
    os.write(2, b"noise on fd 2\\n")
    return _loss(y_hat, y)
"""


def test_a_test_cell_prints_its_verdict_returns_its_points_and_writes_nothing_to_stderr(monkeypatch, capfd):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    config = ROOT / "course.yaml"
    wrong, right = {"__name__": "student"}, {"__name__": "student"}
    exec(compile(NO_RESHAPE.source() + NOISY, "<nb>", "exec"), wrong)
    exec(compile(REFERENCE, "<nb>", "exec"), right)
    assert grade_cell("squared_loss.reshape", points=2, namespace=wrong, config=config) == 0.0
    assert grade_cell("squared_loss.reshape", points=2, namespace=right, config=config) == 2.0
    assert grade_cell("data_iter.fresh_order", points=1, seed=12345, namespace=right, config=config) == 1.0
    assert grade_cell("no.such_check", points=1, namespace=right, config=config) == 0.0
    out, err = capfd.readouterr()
    assert err == ""
    assert "squared_loss.no_reshape" in out and "the check could not run" in out
    same = {"__name__": "student"}
    exec(compile(SAME_ORDER.source(), "<nb>", "exec"), same)
    assert grade_cell("data_iter.fresh_order", points=1, seed=12345, namespace=same, config=config) == 0.0
    out, err = capfd.readouterr()
    assert "runs only when your work is graded, and it failed" in out and "same_order" not in out and err == ""
    monkeypatch.setenv("AUTOGRADER_GRADING", "1")
    assert grade_cell("squared_loss.reshape", points=2, namespace=wrong, config=config) is None


SCHEMA_1 = """
CREATE TABLE submissions (id INTEGER PRIMARY KEY, student TEXT NOT NULL, assignment TEXT NOT NULL,
  sha256 TEXT NOT NULL, settings_hash TEXT NOT NULL, version TEXT NOT NULL, path TEXT NOT NULL,
  mtime REAL NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, public_seed INTEGER NOT NULL,
  hidden_seed INTEGER NOT NULL, seconds REAL NOT NULL, output TEXT NOT NULL, graded_at TEXT NOT NULL,
  UNIQUE (student, assignment, sha256));
CREATE TABLE results (submission INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  check_id TEXT NOT NULL, function TEXT NOT NULL, name TEXT NOT NULL, passed INTEGER NOT NULL,
  score REAL NOT NULL, max_score REAL NOT NULL, visibility TEXT NOT NULL, mistake TEXT,
  output TEXT NOT NULL, seed INTEGER NOT NULL, PRIMARY KEY (submission, check_id));
INSERT INTO submissions VALUES (1, 'alice', 'linreg', 'ab', 'h', '0.1.0', 'alice.py', 0, 2, 2, 0, 7, 0.1,
  '[]', '2026-11-01T10:00:00+00:00');
INSERT INTO results VALUES (1, 'sgd.update', 'sgd', 'sgd: updates', 1, 2, 2, 'public', NULL, 'ok', 3);
PRAGMA user_version = 1;
"""


def test_a_schema_1_gradebook_stays_readable_and_gains_the_timestamp(tmp_path):
    db = tmp_path / "autograder.db"
    with sqlite3.connect(db) as con:
        con.executescript(SCHEMA_1)
    with Gradebook(db) as book:
        [report] = book.counted_reports("linreg")
        assert (report.submission_id, report.score, report.submitted_at) == ("alice", 2.0, None)
        book.set_submitted_at("alice", "linreg", "ab", "2026-12-01T10:00:00+00:00")
        assert book.counted_reports("linreg")[0].submitted_at == "2026-12-01T10:00:00+00:00"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 2


@pytest.mark.parametrize("schema", ["CREATE TABLE grade (id TEXT)",
                                    "CREATE TABLE submissions (id INTEGER); CREATE TABLE notes (x TEXT)"])
def test_a_database_that_is_not_ours_is_refused_and_left_as_it_was(tmp_path, schema):
    db = tmp_path / "theirs.db"
    with sqlite3.connect(db) as con:
        con.executescript(schema)
    before = db.read_bytes()
    with pytest.raises(GradebookError, match=f"{db}: not a gradebook of ours.*nothing was written"):
        Gradebook(db)
    assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["theirs.db"]
    done = autograder("export", "csv", "--gradebook", str(db), cwd=tmp_path, code=2)
    assert "theirs.db: not a gradebook of ours" in done.stderr and db.read_bytes() == before


def test_init_refuses_to_replace_a_file_that_differs_without_force(tmp_path):
    (tmp_path / "course.yaml").write_text("assignment: linreg\n")
    autograder("nbgrader", "init", "c", cwd=tmp_path)
    config = tmp_path / "c" / "nbgrader_config.py"
    config.write_text("c = get_config()  # the instructor's own\n")
    done = autograder("nbgrader", "init", "c", cwd=tmp_path, code=2)
    assert "nbgrader_config.py: exists" in done.stderr and "--force" in done.stderr
    assert config.read_text() == "c = get_config()  # the instructor's own\n"
    autograder("nbgrader", "init", "c", "--force", cwd=tmp_path)
    assert "Execute.kernel_name" in config.read_text()
    done = autograder("nbgrader", "sync", "c", cwd=tmp_path, code=2)
    assert "autograder.db: no gradebook of ours" in done.stderr
