"""Gradebook exports: one row per student, and an import file for Canvas or Moodle."""
from __future__ import annotations

import csv
from pathlib import Path

from autograder import FUNCTIONS
from autograder.checks import CHECKS
from autograder.gradebook import Gradebook

COLUMNS_FUNCTIONS = FUNCTIONS + ("training",)


def rows(gradebook: Gradebook, settings, policy: str, roster: list[str] | None) -> list[dict]:
    counted = gradebook.counted(settings.assignment, policy)
    max_total = sum(settings.check(c).points for c in CHECKS)
    out = []
    for student in sorted(set(counted) | set(roster or ())):
        row = counted.get(student)
        record = {"student": student, "score": 0.0, "max_score": max_total, "submitted": "no",
                  "mistakes": "", "sha256": "", "graded_at": ""}
        for f in COLUMNS_FUNCTIONS:
            record[f] = 0.0
        for c in CHECKS:
            record[c] = 0.0
        if row is not None:
            report = gradebook.report(row)
            record.update(score=report.score, max_score=report.max_score, submitted="yes",
                          sha256=row["sha256"][:12], graded_at=row["graded_at"],
                          mistakes="; ".join(sorted({r.mistake for r in report.results if r.mistake})))
            for f, (got, _) in report.function_scores().items():
                record[f] = got
            for r in report.results:
                record[r.id] = r.score
        if roster is not None and student not in roster:
            record["submitted"] = "yes (not on the roster)"
        out.append(record)
    return out


def write_csv(records: list[dict], path: Path) -> None:
    fields = ["student", "score", "max_score", "submitted", *COLUMNS_FUNCTIONS, *CHECKS,
              "mistakes", "sha256", "graded_at"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)


def write_canvas(records: list[dict], path: Path, assignment: str) -> None:
    """Canvas's gradebook import layout (Moodle's CSV import maps the same two columns):
    the student's login in "SIS Login ID" and the points in a column named after the
    assignment, with a "Points Possible" row."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        total = records[0]["max_score"] if records else 0
        writer.writerow(["Points Possible", "", "", "", "", f"{total:g}"])
        for r in records:
            writer.writerow([r["student"], "", "", r["student"], "", f"{r['score']:g}"])
