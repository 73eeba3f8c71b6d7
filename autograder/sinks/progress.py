"""Sinks for the terminal while grading: the live progress bar (rich), and the --fail-under count."""
from __future__ import annotations

from autograder.sinks import Sink, Summary
from autograder.sinks.safe import terminal
from autograder.sinks.table import WORDS


class Bar(Sink):
    """Count, rate and ETA while grading; silent when disabled (not a terminal, --quiet)."""

    def __init__(self, total: int, enabled: bool, language: str = "en"):
        self._progress = None
        self._words = WORDS[language]
        if enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)

            self._progress = Progress(TextColumn(self._words["grading"], markup=False), BarColumn(),
                                      MofNCompleteColumn(),
                                      TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                      TextColumn("{task.fields[last]}", markup=False),
                                      transient=True)
            self._task = self._progress.add_task("grade", total=total, rate="", last="")

        if self._progress:
            self._progress.start()

    def close(self, summary: Summary) -> None:
        if self._progress:
            self._progress.stop()
            self._progress = None

    def add(self, report, skipped: bool) -> None:
        if not self._progress:
            return
        task = self._progress.tasks[0]
        speed = task.speed
        rate = f"{speed:.1f}/s" if speed else ""
        last = f"{terminal(report.submission_id)}: {report.score:g}/{report.max_score:g}" + \
               (" " + self._words["unchanged"] if skipped else "")
        self._progress.update(self._task, advance=1, rate=rate, last=last)


class FailUnder(Sink):
    """How many submissions scored below a threshold (``--fail-under`` in CI); ``"max"``
    is each submission's full marks."""

    def __init__(self, threshold: float | str):
        self.threshold = threshold
        self.below = 0

    def add(self, report, skipped: bool) -> None:
        threshold = report.max_score if self.threshold == "max" else self.threshold
        self.below += report.score < threshold
