"""Grade many submissions with one warm worker; store and write each as soon as it is ready."""
from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Iterable

from autograder import grading
from autograder.gradebook import Gradebook
from autograder.pool import Worker
from autograder.worker.launch import Launch
from autograder.reports import feedback, results_json
from autograder.settings import Settings
from autograder.submission import Source, Submission

SLOW = 1.0   # seconds: a grading that takes longer than this no longer holds its slot


def spare_cores(jobs: int = 1) -> int:
    """Groups of probes one submission may run at once when ``jobs`` are graded at once."""
    return max(1, (os.cpu_count() or 1) // jobs)


class Grader:
    """The core object behind `autograder grade`: a warm worker, the course settings, a gradebook."""

    def __init__(self, settings: Settings, secret: bytes = b"", hide: list[str] | tuple = (),
                 gradebook: Gradebook | None = None, launched: Launch | None = None):
        self.settings = settings
        self.secret = secret
        self.gradebook = gradebook
        self.settings_hash = settings.grading_hash()
        self.worker = Worker(hide, launched)

    def grade(self, submission: Submission, parallel: int | None = None) -> grading.Report:
        return grading.grade(self.worker, submission, self.settings, self.secret,
                             parallel=parallel or spare_cores())

    def stored(self, submission: Submission) -> grading.Report | None:
        if self.gradebook is None:
            return None
        return self.gradebook.find(submission.id, self.settings.assignment, submission.sha256,
                                   self.settings_hash, grading.__version__)

    def _task(self, source: Source, regrade: bool, parallel: int,
              started: list) -> tuple[Submission, grading.Report, bool]:
        started[0] = time.monotonic()
        submission = source.load()
        report = None if regrade else self.stored(submission)
        if report is not None:
            return submission, report, True
        return submission, self.grade(submission, parallel), False

    def grade_all(self, sources: Iterable[Source], out_dir: Path | None, jobs: int = 1,
                  on_done: Callable[[grading.Report, bool], None] | None = None,
                  regrade: bool = False) -> int:
        """Grade in parallel; returns how many were done. Each file is read in its task and
        each report is stored (one transaction) and written as soon as it is ready, so
        memory does not grow with the class. Submissions already in the gradebook,
        unchanged, are not graded again.

        ``jobs`` submissions are graded at once. One that has run for more than
        ``SLOW`` seconds is almost always waiting out a limit (a hang, a sleep), so it
        stops counting and another starts beside it, up to twice ``jobs``: a hang costs
        its own submission its limit and holds up nobody else.
        """
        count = 0
        jobs = max(1, jobs or os.cpu_count() or 1)
        parallel = spare_cores(jobs)      # cores left over run a submission's probes side by side
        pending = iter(sources)
        pool = ThreadPoolExecutor(max_workers=2 * jobs)
        running: dict = {}        # future -> [start time, or None while queued]

        def fresh() -> int:
            now = time.monotonic()
            return sum(1 for t in running.values() if t[0] is None or now - t[0] < SLOW)

        def refill() -> None:
            while len(running) < 2 * jobs and fresh() < jobs:
                source = next(pending, None)
                if source is None:
                    return
                started = [None]
                running[pool.submit(self._task, source, regrade, parallel, started)] = started

        try:
            refill()
            while running:
                finished, _ = wait(running, timeout=SLOW / 4, return_when=FIRST_COMPLETED)
                for future in finished:
                    del running[future]
                refill()                            # start the next ones before the bookkeeping
                for future in finished:
                    submission, report, skipped = future.result()
                    if self.gradebook is not None and not skipped:
                        self.gradebook.record(report, submission.id, self.settings.assignment,
                                              self.settings_hash, _mtime(submission.path))
                    self._write(report, out_dir)   # also when skipped: a kill may have come before
                    count += 1
                    if on_done:
                        on_done(report, skipped)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            self.worker.kill_all("grading was interrupted")
            raise
        pool.shutdown()
        return count

    def _write(self, report: grading.Report, out_dir: Path | None) -> None:
        if out_dir is not None:
            results_json.write(report, out_dir)
            feedback.write(report, out_dir)

    def close(self) -> None:
        self.worker.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0
