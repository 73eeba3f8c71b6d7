"""The gradebook's exports as sinks: one CSV row per student, and an import file for Canvas or Moodle."""
from __future__ import annotations

import csv
from pathlib import Path

from autograder import spec
from autograder.model import Report
from autograder.sinks import Sink, Summary
from autograder.sinks.safe import csv_text


class _Students(Sink):
    """One record per student of the counted reports, and per roster student without one."""

    def __init__(self, path: Path, settings, roster: list[str] | None = None):
        self.path = Path(path)
        self.settings = settings
        self.roster = roster
        self.reports: dict[str, Report] = {}
        self.records: list[dict] = []

    def add(self, report: Report, skipped: bool) -> None:
        self.reports[report.submission_id] = report

    def close(self, summary: Summary) -> None:
        self.records = [self._record(s) for s in sorted(set(self.reports) | set(self.roster or ()))]
        self.write()

    def _record(self, student: str) -> dict:
        record = {"student": student, "score": 0.0,
                  "max_score": sum(self.settings.check(c).points for c in spec.CHECKS),
                  "submitted": "no", "mistakes": "", "sha256": "", "graded_at": "", "submitted_at": "",
                  "late": ""}
        record.update(dict.fromkeys(spec.UNITS, 0.0))
        record.update(dict.fromkeys(spec.CHECKS, 0.0))
        report = self.reports.get(student)
        if report is not None:
            record.update(score=report.score, max_score=report.max_score, submitted="yes",
                          sha256=report.sha256[:12], graded_at=report.graded_at,
                          mistakes="; ".join(report.mistakes))
            record.update({f: got for f, (got, _) in report.function_scores().items()})
            record.update({r.id: r.score for r in report.results})
            late = self.settings.late(report.submitted_at)
            record.update(submitted_at=report.submitted_at or "",
                          late="" if late is None else "yes" if late else "no")
        if self.roster is not None and student not in self.roster:
            record["submitted"] = "yes (not on the roster)"
        return record

    def write(self) -> None:
        raise NotImplementedError


class Csv(_Students):
    """The per-student CSV: total, per function, per check, the mistakes named, when the student
    submitted (nbgrader's timestamp.txt) and ``late`` (yes or no against course.yaml's ``due``;
    empty when either is unknown). Scores are
    numbers; a text cell that a spreadsheet would take for a formula starts with ``'``."""

    def write(self) -> None:
        fields = ["student", "score", "max_score", "submitted", *spec.UNITS, *spec.CHECKS,
                  "mistakes", "sha256", "graded_at", "submitted_at", "late"]
        with open(self.path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows({k: csv_text(v) for k, v in r.items()} for r in self.records)


class Canvas(_Students):
    """Canvas's gradebook import layout (Moodle's CSV import maps the same two columns):
    the student's login in "SIS Login ID" and the points in a column named after the
    assignment, with a "Points Possible" row. The points stay numbers; the text cells get
    ``csv_text``'s ``'`` before a formula's first character."""

    def write(self) -> None:
        assignment = self.settings.assignment
        with open(self.path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", csv_text(assignment)])
            total = self.records[0]["max_score"] if self.records else 0
            writer.writerow(["Points Possible", "", "", "", "", f"{total:g}"])
            for r in self.records:
                student = csv_text(r["student"])
                writer.writerow([student, "", "", student, "", f"{r['score']:g}"])
