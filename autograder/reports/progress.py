"""A live progress bar for the terminal (rich), and the one-line summary at the end."""
from __future__ import annotations

import statistics


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


def summary(done: list, seconds: float) -> str:
    graded = [r for r, skipped in done if not skipped]
    skipped = len(done) - len(graded)
    if not done:
        return "autograder: nothing to grade"
    scores = [r.score for r, _ in done]
    full = sum(1 for r, _ in done if r.score == r.max_score)
    rate = f", {seconds / len(graded):.2f} s each" if graded else ""
    return (f"autograder: {len(done)} submissions ({len(graded)} graded, {skipped} unchanged and "
            f"skipped) in {seconds:.1f} s{rate}; mean score {statistics.mean(scores):.2f}/"
            f"{done[0][0].max_score:g}, {full} with full marks")
