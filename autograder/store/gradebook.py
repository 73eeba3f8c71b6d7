"""The gradebook: an embedded SQLite file, one transaction per submission; a context manager.

A submission is graded already when a row has the same student, assignment and
sha256 of the file, and the same settings hash and grader version; anything else
is graded again. A batch killed midway loses nothing that was committed.

A database that is not ours (any table but ours, such as nbgrader's gradebook.db) is
refused before anything is written to it. Schema 1 (before ``submitted_at``) is
migrated in place when it is opened.
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from autograder.errors import GradebookError
from autograder.model import CheckResult, Report

SCHEMA = 2      # 2: submissions.submitted_at (nbgrader's timestamp.txt)
DEFAULT = "autograder.db"
_TABLES = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    settings_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    path TEXT NOT NULL,
    mtime REAL NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    public_seed INTEGER NOT NULL,
    hidden_seed INTEGER NOT NULL,
    seconds REAL NOT NULL,
    output TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    submitted_at TEXT,
    UNIQUE (student, assignment, sha256)
);
CREATE TABLE IF NOT EXISTS results (
    submission INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    check_id TEXT NOT NULL,
    function TEXT NOT NULL,
    name TEXT NOT NULL,
    passed INTEGER NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    visibility TEXT NOT NULL,
    mistake TEXT,
    output TEXT NOT NULL,
    seed INTEGER NOT NULL,
    PRIMARY KEY (submission, check_id)
);
CREATE TABLE IF NOT EXISTS curves (
    submission INTEGER PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    data TEXT NOT NULL
);
"""
OURS = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _TABLES))    # the tables we create


class Gradebook:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.RLock()      # one connection, used from the grading threads
        try:
            self.db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA foreign_keys = ON")
            tables = {name for (name,) in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")}
            if tables - OURS:
                self.db.close()
                others = sorted(tables - OURS)
                raise GradebookError(
                    f"{self.path}: not a gradebook of ours: it has tables that this grader did not "
                    f"create ({', '.join(others[:5])}{', ...' if len(others) > 5 else ''}); nothing "
                    f"was written to it. Is it another tool's (nbgrader's gradebook.db)? Pass "
                    f"--gradebook with a file of our own (default: {DEFAULT})")
            ok = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise GradebookError(f"{self.path}: the database is damaged ({ok}); "
                                     "restore it from a backup or grade into a new file")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, 1, SCHEMA):
                raise GradebookError(f"{self.path}: gradebook schema {version}, this grader "
                                     f"reads schemas 1 and {SCHEMA}")
            self.db.execute("PRAGMA journal_mode = WAL")
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(submissions)")}
            if columns and "submitted_at" not in columns:      # schema 1
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute("ALTER TABLE submissions ADD COLUMN submitted_at TEXT")
                self.db.execute(f"PRAGMA user_version = {SCHEMA}")
                self.db.execute("COMMIT")
            self.db.executescript(_TABLES)
            self.db.execute(f"PRAGMA user_version = {SCHEMA}")
        except sqlite3.DatabaseError as exc:
            raise GradebookError(_explain(self.path, exc)) from None

    # ---- reading --------------------------------------------------------------

    def find(self, student: str, assignment: str, sha256: str, settings_hash: str,
             version: str) -> Report | None:
        """The stored report when this exact submission was graded with these settings."""
        row = self._one("SELECT * FROM submissions WHERE student=? AND assignment=? AND sha256=? "
                        "AND settings_hash=? AND version=?",
                        (student, assignment, sha256, settings_hash, version))
        return self.report(row) if row else None

    def submissions(self, assignment: str | None = None) -> list[dict]:
        query = "SELECT * FROM submissions" + (" WHERE assignment=?" if assignment else "")
        rows = self._rows(query + " ORDER BY student, mtime", (assignment,) if assignment else ())
        return [dict(r) for r in rows]

    def counted(self, assignment: str, policy: str = "latest") -> dict[str, dict]:
        """student -> the submission that counts: the latest file, or the best score."""
        def rank(row):
            return (row["score"], row["mtime"]) if policy == "best" else (row["mtime"], row["score"])

        chosen: dict[str, dict] = {}
        for row in self.submissions(assignment):
            best = chosen.get(row["student"])
            if best is None or rank(row) > rank(best):
                chosen[row["student"]] = row
        return chosen

    # ---- writing --------------------------------------------------------------

    def record(self, report: Report, student: str, assignment: str, settings_hash: str,
               mtime: float) -> None:
        """Store one graded submission in one transaction (replacing an older grading)."""
        try:
            with self._transaction():
                self.db.execute("DELETE FROM submissions WHERE student=? AND assignment=? AND sha256=?",
                                (student, assignment, report.sha256))
                cur = self.db.execute(
                    "INSERT INTO submissions (student, assignment, sha256, settings_hash, version, path,"
                    " mtime, score, max_score, public_seed, hidden_seed, seconds, output, graded_at,"
                    " submitted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (student, assignment, report.sha256, settings_hash, report.version, report.path,
                     mtime, report.score, report.max_score, report.public_seed, report.hidden_seed,
                     report.seconds, json.dumps(list(report.notes)),
                     datetime.now(timezone.utc).isoformat(timespec="seconds"), report.submitted_at))
                self.db.executemany(
                    "INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [(cur.lastrowid, r.id, r.function, r.name, int(r.passed), r.score, r.max_score,
                      r.visibility, r.mistake, r.message, r.seed) for r in report.results])
                if report.curves is not None:
                    self.db.execute("INSERT INTO curves VALUES (?,?)",
                                    (cur.lastrowid, json.dumps(report.curves)))
        except sqlite3.DatabaseError as exc:
            raise GradebookError(_explain(self.path, exc)) from None

    def set_submitted_at(self, student: str, assignment: str, sha256: str, submitted_at: str | None) -> None:
        """A new timestamp.txt beside a file that is graded already: stored without grading it again."""
        try:
            with self._transaction():
                self.db.execute("UPDATE submissions SET submitted_at=? WHERE student=? AND assignment=? "
                                "AND sha256=?", (submitted_at, student, assignment, sha256))
        except sqlite3.DatabaseError as exc:
            raise GradebookError(_explain(self.path, exc)) from None

    def merge(self, other: str | Path) -> int:
        """Copy every submission of another gradebook in (a newer grading wins). Returns the count."""
        if not Path(other).is_file():
            raise GradebookError(f"{other}: no such gradebook")
        count = 0
        with Gradebook(other) as source:
            for row in source.submissions():
                mine = self._one("SELECT graded_at FROM submissions WHERE student=? AND assignment=? "
                                 "AND sha256=?", (row["student"], row["assignment"], row["sha256"]))
                if mine and mine["graded_at"] > row["graded_at"]:
                    continue
                report = source.report(row)
                self.record(report, row["student"], row["assignment"], row["settings_hash"],
                            row["mtime"])
                self.db.execute("UPDATE submissions SET graded_at=?, version=? WHERE student=? AND "
                                "assignment=? AND sha256=?", (row["graded_at"], row["version"],
                                                              row["student"], row["assignment"],
                                                              row["sha256"]))
                count += 1
        return count

    def counted_reports(self, assignment: str, policy: str = "latest") -> list[Report]:
        """The report that counts of each student (``counted``), by student."""
        counted = self.counted(assignment, policy)
        return [self.report(counted[student]) for student in sorted(counted)]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- helpers --------------------------------------------------------------

    def _transaction(self):
        db = self.db

        lock = self._lock

        class _Tx:
            def __enter__(self):
                lock.acquire()
                try:
                    db.execute("BEGIN IMMEDIATE")
                except BaseException:
                    lock.release()
                    raise

            def __exit__(self, kind, exc, tb):
                try:
                    db.execute("COMMIT" if kind is None else "ROLLBACK")
                finally:
                    lock.release()
                return False
        return _Tx()

    def _rows(self, query, args):
        try:
            with self._lock:
                cur = self.db.execute(query, args)
                names = [d[0] for d in cur.description]
                return [dict(zip(names, r)) for r in cur.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise GradebookError(_explain(self.path, exc)) from None

    def _one(self, query, args):
        rows = self._rows(query, args)
        return rows[0] if rows else None

    def report(self, row: dict) -> Report:
        """The stored grading of one submissions row."""
        results = tuple(CheckResult(
            id=r["check_id"], function=r["function"], name=r["name"], passed=bool(r["passed"]),
            score=r["score"], max_score=r["max_score"], visibility=r["visibility"],
            mistake=r["mistake"], message=r["output"], seed=r["seed"])
            for r in self._rows("SELECT * FROM results WHERE submission=? ORDER BY rowid", (row["id"],)))
        curves = self._one("SELECT data FROM curves WHERE submission=?", (row["id"],))
        return Report(submission_id=row["student"], path=row["path"], sha256=row["sha256"],
                      results=results, notes=tuple(json.loads(row["output"])),
                      seconds=row["seconds"], public_seed=row["public_seed"],
                      hidden_seed=row["hidden_seed"], version=row["version"],
                      graded_at=row["graded_at"], submitted_at=row.get("submitted_at"),
                      curves=json.loads(curves["data"]) if curves else None)


def _explain(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"{path}: the gradebook is locked by another process (is another `autograder` "
                "running on it?); nothing was lost, try again when it has finished")
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return f"{path}: not a gradebook, or a damaged one ({text}); nothing was written to it"
    return f"{path}: gradebook error: {text}"
