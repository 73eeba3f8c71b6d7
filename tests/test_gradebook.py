import sqlite3

import pytest

from autograder.errors import GradebookError
from autograder.store.gradebook import Gradebook
from autograder.model import CheckResult, Report


def report(student="alice", sha="a" * 64, score=1.0):
    results = (CheckResult("sgd.update", "sgd", "sgd: updates", score == 1.0, score, 1.0, "public",
                           None if score == 1.0 else "sgd.ascends", "out", 7),)
    return Report(student, f"{student}.py", sha, results, ("note",), 0.5, 0, 99)


def test_round_trip_and_key(tmp_path):
    gb = Gradebook(tmp_path / "g.db")
    gb.record(report(), "alice", "linreg", "h1", 10.0)
    found = gb.find("alice", "linreg", "a" * 64, "h1", report().version)
    assert found == report()
    assert gb.find("alice", "linreg", "a" * 64, "h2", report().version) is None   # settings changed
    assert gb.find("alice", "linreg", "a" * 64, "h1", "0.0.0") is None            # grader changed
    assert gb.find("alice", "linreg", "b" * 64, "h1", report().version) is None   # file changed


def test_regrading_replaces_and_counted_policies(tmp_path):
    gb = Gradebook(tmp_path / "g.db")
    gb.record(report(score=0.0), "alice", "linreg", "h1", 10.0)
    gb.record(report(score=1.0), "alice", "linreg", "h2", 10.0)            # same file, new settings
    assert len(gb.submissions()) == 1 and gb.submissions()[0]["score"] == 1.0
    gb.record(report(sha="b" * 64, score=0.0), "alice", "linreg", "h2", 20.0)   # a later file
    assert gb.counted("linreg", "latest")["alice"]["score"] == 0.0
    assert gb.counted("linreg", "best")["alice"]["score"] == 1.0


def test_corrupt_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "g.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(GradebookError, match=r"g\.db: not a gradebook"):
        Gradebook(path)
    assert path.read_bytes().startswith(b"this is not sqlite")     # nothing was written


def test_locked_database_gives_a_clear_error_and_loses_nothing(tmp_path):
    path = tmp_path / "g.db"
    gb = Gradebook(path)
    gb.record(report(), "alice", "linreg", "h1", 10.0)
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    gb.db.execute("PRAGMA busy_timeout = 200")
    with pytest.raises(GradebookError, match="locked by another process"):
        gb.record(report(sha="c" * 64), "bob", "linreg", "h1", 10.0)
    other.rollback()
    other.close()
    assert [r["student"] for r in gb.submissions()] == ["alice"]


def test_merge_takes_the_newer_grading(tmp_path):
    a, b = Gradebook(tmp_path / "a.db"), Gradebook(tmp_path / "b.db")
    a.record(report("alice"), "alice", "linreg", "h", 1.0)
    b.record(report("bob", sha="b" * 64), "bob", "linreg", "h", 1.0)
    b.close()
    assert a.merge(tmp_path / "b.db") == 1
    assert sorted(r["student"] for r in a.submissions()) == ["alice", "bob"]
    with pytest.raises(GradebookError, match="no such gradebook"):
        a.merge(tmp_path / "missing.db")
