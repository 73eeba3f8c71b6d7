"""The terminal's table of students x functions, printed at the end of a small run."""
from __future__ import annotations

import sys

from autograder.model import Report
from autograder.sinks import Sink, Summary
from autograder.sinks.safe import terminal
from autograder.spec import UNITS as COLUMNS


class Table(Sink):
    """Keeps the reports of a run of at most ``limit`` submissions, and prints their
    table when the run completes; a larger class gets only the summary line."""

    def __init__(self, limit: int, stream=None):
        self.reports: list[Report] = []
        self.limit = limit
        self.stream = stream

    def add(self, report: Report, skipped: bool) -> None:
        if len(self.reports) <= self.limit:
            self.reports.append(report)

    def close(self, summary: Summary) -> None:
        if summary.complete and self.reports and summary.count <= self.limit:
            print(render(self.reports), file=self.stream or sys.stdout)


def render(reports: list[Report]) -> str:
    """The table; every text of the student's (id, mistakes, notes) with its controls escaped,
    so that none moves the cursor or breaks a row."""
    reports = sorted(reports, key=lambda r: r.submission_id)
    width = max([len("submission")] + [len(terminal(r.submission_id)) for r in reports])
    head = f"{'submission':<{width}}  " + "  ".join(f"{c:>14}" for c in COLUMNS) + "   total"
    lines = [head, "-" * len(head)]
    for r in reports:
        per = r.function_scores()
        cells = []
        for c in COLUMNS:
            got, total = per.get(c, (0.0, 0.0))
            cells.append(f"{got:>6g}/{total:<7g}")
        lines.append(f"{terminal(r.submission_id):<{width}}  " + "  ".join(f"{c:>14}" for c in cells)
                     + f"   {r.score:g}/{r.max_score:g}")
        if r.mistakes:
            lines.append(f"{'':<{width}}  mistakes: " + terminal(", ".join(r.mistakes)))
        for note in r.notes:
            lines.append(f"{'':<{width}}  note: {terminal(note[:160])}")
    return "\n".join(lines)
