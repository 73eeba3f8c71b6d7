"""Grade many submissions with one warm worker; write each result as soon as it is ready."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Iterable

from autograder import grading
from autograder.pool import Worker
from autograder.reports import results_json
from autograder.settings import Settings
from autograder.submission import Submission


class Grader:
    """The core object behind `autograder grade`: a warm worker plus the course settings."""

    def __init__(self, settings: Settings, secret: bytes = b"", hide: list[str] | tuple = ()):
        self.settings = settings
        self.secret = secret
        self.worker = Worker(hide)

    def grade(self, submission: Submission) -> grading.Report:
        return grading.grade(self.worker, submission, self.settings, self.secret)

    def grade_all(self, submissions: Iterable[Submission], out_dir: Path | None, jobs: int = 1,
                  on_done: Callable[[grading.Report], None] | None = None) -> list[grading.Report]:
        """Grade in parallel; each report is written before the next one is awaited."""
        reports = []
        jobs = max(1, jobs or os.cpu_count() or 1)
        pool = ThreadPoolExecutor(max_workers=jobs)
        futures = [pool.submit(self.grade, s) for s in submissions]
        try:
            for future in as_completed(futures):
                report = future.result()
                if out_dir is not None:
                    results_json.write(report, out_dir)
                reports.append(report)
                if on_done:
                    on_done(report)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            self.worker.kill_all("grading was interrupted")
            raise
        pool.shutdown()
        return reports

    def close(self) -> None:
        self.worker.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
