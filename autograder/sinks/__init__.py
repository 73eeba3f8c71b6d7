"""Outputs: each is a Sink that gets every report as it is ready, and a summary at the end.

    results_json  DIR/<id>/results.json and seeds.json (Gradescope's schema)
    feedback      DIR/<id>/feedback.html, the student's page
    table         the terminal's table of students x functions
    progress      the live bar, and the --fail-under count
    export        the per-student CSV and the Canvas/Moodle import
    dashboard     the class report (HTML)
    junit         JUnit XML (xunit1, points in each testcase's properties)   grade --format junit
    github        GitHub Actions annotations and the job summary's points   grade --format github
    json_out      the run as one JSON document                               grade --format json
    machine       what those three share: standard output or a file, what a student may read
    safe          student text made safe for the terminal (controls escaped) and the CSVs (no formula)

A new output is one more module here with one more Sink; the grader does not change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from autograder.model import Report


@dataclass
class Summary:
    """What a run adds up to: counts and the mean, not every report of a large class."""
    count: int = 0
    graded: int = 0                 # the others were unchanged in the gradebook and skipped
    total: float = 0.0
    max_score: float = 0.0
    full: int = 0
    seconds: float = 0.0
    complete: bool = True           # False when the run was interrupted or failed

    def add(self, report: Report, skipped: bool) -> None:
        self.count += 1
        self.graded += not skipped
        self.total += report.score
        self.max_score = report.max_score
        self.full += report.score == report.max_score

    def line(self, language: str = "en") -> str:
        """The run in one line, in the course's language (the words: sinks.table.WORDS)."""
        from autograder.sinks.table import WORDS
        t = WORDS[language]
        if not self.count:
            return t["nothing"]
        rate = t["rate"].format(each=self.seconds / self.graded) if self.graded else ""
        return t["summary"].format(count=self.count, graded=self.graded, skipped=self.count - self.graded,
                                   seconds=self.seconds, rate=rate, mean=self.total / self.count,
                                   max=self.max_score, full=self.full)


class Sink:
    """One output. ``add`` is called from the grading loop's thread, one report at a
    time; ``close`` once, also when the run did not complete (``summary.complete``)."""

    def add(self, report: Report, skipped: bool) -> None:
        pass

    def close(self, summary: Summary) -> None:
        pass


class Each(Sink):
    """A sink from a function of (report, skipped)."""

    def __init__(self, fn):
        self.fn = fn

    def add(self, report: Report, skipped: bool) -> None:
        self.fn(report, skipped)


def feed(reports: Iterable[Report], sinks: Iterable[Sink]) -> Summary:
    """Give stored reports (a gradebook's) to sinks, as a grading run would."""
    sinks = list(sinks)
    summary = Summary()
    for report in reports:
        summary.add(report, True)
        for sink in sinks:
            sink.add(report, True)
    for sink in sinks:
        sink.close(summary)
    return summary
