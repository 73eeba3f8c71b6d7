"""The terminal's table of students x functions, printed at the end of a small run, and the
terminal's other words (the live bar, the summary line), in the course's language."""
from __future__ import annotations

import sys
import unicodedata

from autograder.model import Report
from autograder.sinks import Sink, Summary
from autograder.sinks.safe import terminal
from autograder.spec import UNITS as COLUMNS

# Every word the terminal shows while and after grading: this table, progress.Bar, Summary.line.
WORDS = {
    "en": {"submission": "submission", "total": "total", "mistakes": "mistakes", "note": "note",
           "grading": "grading", "unchanged": "(unchanged)",
           "nothing": "autograder: nothing to grade",
           "summary": "autograder: {count} submissions ({graded} graded, {skipped} unchanged and skipped) "
                      "in {seconds:.1f} s{rate}; mean score {mean:.2f}/{max:g}, {full} with full marks",
           "rate": ", {each:.2f} s each"},
    "zh": {"submission": "提交", "total": "总分", "mistakes": "错误", "note": "说明",
           "grading": "评分中", "unchanged": "（未改动）",
           "nothing": "autograder: 没有要评分的提交",
           "summary": "autograder: {count} 份提交（{graded} 份已评分，{skipped} 份未改动、已跳过），"
                      "用时 {seconds:.1f} 秒{rate}；平均分 {mean:.2f}/{max:g}，{full} 份得满分",
           "rate": "，每份 {each:.2f} 秒"},
}


class Table(Sink):
    """Keeps the reports of a run of at most ``limit`` submissions, and prints their
    table when the run completes; a larger class gets only the summary line."""

    def __init__(self, limit: int, stream=None, language: str = "en"):
        self.reports: list[Report] = []
        self.limit = limit
        self.stream = stream
        self.language = language

    def add(self, report: Report, skipped: bool) -> None:
        if len(self.reports) <= self.limit:
            self.reports.append(report)

    def close(self, summary: Summary) -> None:
        if summary.complete and self.reports and summary.count <= self.limit:
            print(render(self.reports, self.language), file=self.stream or sys.stdout)


def width(text: str) -> int:
    """Columns a terminal gives the text: two for a wide character (Chinese), none for a combining one."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _left(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def render(reports: list[Report], language: str = "en") -> str:
    """The table; every text of the student's (id, mistakes, notes) with its controls escaped,
    so that none moves the cursor or breaks a row."""
    t = WORDS[language]
    reports = sorted(reports, key=lambda r: r.submission_id)
    first = max([width(t["submission"])] + [width(terminal(r.submission_id)) for r in reports])
    head = _left(t["submission"], first) + "  " + "  ".join(f"{c:>14}" for c in COLUMNS) + "   " + t["total"]
    lines = [head, "-" * width(head)]
    for r in reports:
        per = r.function_scores()
        cells = []
        for c in COLUMNS:
            got, total = per.get(c, (0.0, 0.0))
            cells.append(f"{got:>6g}/{total:<7g}")
        lines.append(_left(terminal(r.submission_id), first) + "  " + "  ".join(f"{c:>14}" for c in cells)
                     + f"   {r.score:g}/{r.max_score:g}")
        if r.mistakes:
            lines.append(" " * first + f"  {t['mistakes']}: " + terminal(", ".join(r.mistakes)))
        for note in r.notes:
            lines.append(" " * first + f"  {t['note']}: {terminal(note[:160])}")
    return "\n".join(lines)
