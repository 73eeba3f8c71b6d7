"""Grade many submissions with one warm worker; store and write each as soon as it is ready."""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Iterable

from autograder import grading
from autograder.gradebook import Gradebook
from autograder.pool import Worker
from autograder.reports import feedback, results_json
from autograder.settings import Settings
from autograder.submission import Submission


def in_shard(submission_id: str, shard: tuple[int, int] | None) -> bool:
    """Shard I of N (1-based): a stable slice by a hash of the id, the same on every machine."""
    if shard is None:
        return True
    index, count = shard
    digest = int(hashlib.sha256(submission_id.encode()).hexdigest(), 16)
    return digest % count == index - 1


class Grader:
    """The core object behind `autograder grade`: a warm worker, the course settings, a gradebook."""

    def __init__(self, settings: Settings, secret: bytes = b"", hide: list[str] | tuple = (),
                 gradebook: Gradebook | None = None):
        self.settings = settings
        self.secret = secret
        self.gradebook = gradebook
        self.settings_hash = settings.grading_hash()
        self.worker = Worker(hide)

    def grade(self, submission: Submission) -> grading.Report:
        return grading.grade(self.worker, submission, self.settings, self.secret)

    def stored(self, submission: Submission) -> grading.Report | None:
        if self.gradebook is None:
            return None
        return self.gradebook.find(submission.id, self.settings.assignment, submission.sha256,
                                   self.settings_hash, grading.__version__)

    def grade_all(self, submissions: Iterable[Submission], out_dir: Path | None, jobs: int = 1,
                  on_done: Callable[[grading.Report, bool], None] | None = None,
                  regrade: bool = False) -> list[grading.Report]:
        """Grade in parallel. Each report is stored (one transaction) and written before the
        next is awaited; submissions already in the gradebook, unchanged, are not graded again."""
        reports = []
        todo = []
        for sub in submissions:
            report = None if regrade else self.stored(sub)
            if report is None:
                todo.append(sub)
                continue
            self._write(report, out_dir)       # a kill may have come between commit and write
            reports.append(report)
            if on_done:
                on_done(report, True)
        by_id = {s.id: s for s in todo}
        pool = ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1))
        futures = [pool.submit(self.grade, s) for s in todo]
        try:
            for future in as_completed(futures):
                report = future.result()
                if self.gradebook is not None:
                    sub = by_id[report.submission_id]
                    self.gradebook.record(report, sub.id, self.settings.assignment,
                                          self.settings_hash, _mtime(sub.path))
                self._write(report, out_dir)
                reports.append(report)
                if on_done:
                    on_done(report, False)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            self.worker.kill_all("grading was interrupted")
            raise
        pool.shutdown()
        return reports

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
