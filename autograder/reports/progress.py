"""A live progress bar for the terminal (rich), and the one-line summary at the end."""
from __future__ import annotations


class Bar:
    """Count, rate and ETA while grading; silent when disabled (not a terminal, --quiet)."""

    def __init__(self, total: int, enabled: bool):
        self._progress = None
        if enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)

            self._progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                      TextColumn("{task.fields[last]}"), transient=True)
            self._task = self._progress.add_task("grade", total=total, rate="", last="")

    def __enter__(self):
        if self._progress:
            self._progress.start()
        return self

    def __exit__(self, *exc):
        if self._progress:
            self._progress.stop()

    def advance(self, report, skipped: bool) -> None:
        if not self._progress:
            return
        task = self._progress.tasks[0]
        speed = task.speed
        rate = f"{speed:.1f}/s" if speed else ""
        last = f"{report.submission_id}: {report.score:g}/{report.max_score:g}" + \
               (" (unchanged)" if skipped else "")
        self._progress.update(self._task, advance=1, rate=rate, last=last)


class Tally:
    """What the end of a run needs, without keeping every report of a large class."""

    def __init__(self, keep_reports: bool, fail_under: float | None):
        self.reports: list = []
        self._keep = keep_reports
        self._fail_under = fail_under
        self.count = self.graded = self.full = 0
        self.total = 0.0
        self.max_score = 0.0
        self.below: int | None = 0 if fail_under is not None else None

    def add(self, report, skipped: bool) -> None:
        self.count += 1
        self.graded += not skipped
        self.total += report.score
        self.max_score = report.max_score
        self.full += report.score == report.max_score
        if self.below is not None and report.score < self._fail_under:
            self.below += 1
        if self._keep:
            self.reports.append(report)

    def summary(self, seconds: float) -> str:
        if not self.count:
            return "autograder: nothing to grade"
        rate = f", {seconds / self.graded:.2f} s each" if self.graded else ""
        return (f"autograder: {self.count} submissions ({self.graded} graded, "
                f"{self.count - self.graded} unchanged and skipped) in {seconds:.1f} s{rate}; mean "
                f"score {self.total / self.count:.2f}/{self.max_score:g}, {self.full} with full marks")
