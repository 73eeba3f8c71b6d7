"""Grade many submissions with one warm zygote; store each and give it to the sinks as soon as it is ready."""
from __future__ import annotations

import dataclasses
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Iterable

from autograder import __version__
from autograder.course import Settings
from autograder.grader import one
from autograder.inputs.discover import Source
from autograder.model import Report, Submission
from autograder.sandbox.client import Zygote
from autograder.sandbox.launch import Launch
from autograder.sinks import Sink, Summary
from autograder.store.gradebook import Gradebook

SLOW = 1.0   # seconds: at most this long does a grading hold its slot (see _Pace)


class _Pace:
    """How long a grading may hold its slot: three times the median of the recent
    gradings, between a quarter of ``SLOW`` and ``SLOW``. A grading that runs longer
    is almost always waiting out a limit (a hang, a sleep), which leaves cores idle.
    Adaptive because a typical grading takes 0.15 s on an idle 2-core machine and
    twice that when every core is busy: a fixed threshold is either late on the
    first or starts too many at once on the second."""

    def __init__(self, keep: int = 31):
        self.recent: list[float] = []
        self.keep = keep

    def add(self, seconds: float) -> None:
        self.recent = (self.recent + [seconds])[-self.keep:]

    def slow(self) -> float:
        if not self.recent:
            return SLOW
        median = sorted(self.recent)[len(self.recent) // 2]
        return min(SLOW, max(SLOW / 4, 3 * median))


def spare_cores(jobs: int = 1) -> int:
    """Groups of probes one submission may run at once when ``jobs`` are graded at once."""
    return max(1, (os.cpu_count() or 1) // jobs)


class Grader:
    """The core object behind `autograder grade`: a warm zygote, the course settings, a gradebook."""

    def __init__(self, settings: Settings, secret: bytes = b"",
                 gradebook: Gradebook | None = None, launched: Launch | None = None):
        self.settings = settings
        self.secret = secret
        self.gradebook = gradebook
        self.settings_hash = settings.grading_hash()
        self.zygote = Zygote(launched)
        self.summary = Summary()

    def grade(self, submission: Submission, parallel: int | None = None,
              sandbox_done: Callable[[], None] | None = None) -> Report:
        return one.grade(self.zygote, submission, self.settings, self.secret,
                             parallel=parallel or spare_cores(), sandbox_done=sandbox_done)

    def stored(self, submission: Submission) -> Report | None:
        if self.gradebook is None:
            return None
        return self.gradebook.find(submission.id, self.settings.assignment, submission.sha256,
                                   self.settings_hash, __version__)

    def _task(self, source: Source, regrade: bool, parallel: int,
              slot: _Slot) -> tuple[Submission, Report, bool]:
        slot.started = time.monotonic()
        submission = source.load()
        report = None if regrade else self.stored(submission)
        if report is not None:
            if report.submitted_at != submission.submitted_at:     # a new timestamp.txt, the same file
                self.gradebook.set_submitted_at(submission.id, self.settings.assignment, submission.sha256,
                                                submission.submitted_at)
                report = dataclasses.replace(report, submitted_at=submission.submitted_at)
            return submission, report, True
        # with cores to spare, the judging here overlaps the next submission's probes;
        # without, it would only crowd them
        return submission, self.grade(submission, parallel, slot.free if parallel > 1 else None), False

    def grade_all(self, sources: Iterable[Source], sinks: Iterable[Sink] = (), jobs: int = 1,
                  regrade: bool = False) -> Summary:
        """Grade in parallel; returns the run's Summary (``self.summary`` while it runs).
        Each file is read in its task and each report is stored (one transaction) and
        given to every sink as soon as it is ready, so memory does not grow with the
        class. Submissions already in the gradebook, unchanged, are not graded again
        (the sinks still get them, skipped). Every sink is closed at the end, also when
        the run is interrupted (then ``summary.complete`` is False).

        ``jobs`` submissions are graded at once. One that has run for more than three
        typical gradings (at most ``SLOW`` seconds) is almost always waiting out a limit
        (a hang, a sleep), so it stops counting and another starts beside it: a hang
        costs its own submission its limit and holds up nobody else. When there are
        more cores than ``jobs``, one whose processes are gone stops counting too, so
        that its judging, here, overlaps the next one's probes. At most three times
        ``jobs`` are under way.
        """
        sinks = list(sinks)
        summary = self.summary = Summary()
        start = time.monotonic()
        jobs = max(1, jobs or os.cpu_count() or 1)
        parallel = spare_cores(jobs)      # cores left over run a submission's probes side by side
        pending = iter(sources)
        pool = ThreadPoolExecutor(max_workers=3 * jobs)
        running: dict = {}        # future -> its _Slot
        pace = _Pace()

        def busy() -> int:
            now, slow = time.monotonic(), pace.slow()
            return sum(1 for slot in running.values() if slot.holds(now, slow))

        def refill() -> None:
            while len(running) < 3 * jobs and busy() < jobs:
                source = next(pending, None)
                if source is None:
                    return
                slot = _Slot()
                running[pool.submit(self._task, source, regrade, parallel, slot)] = slot

        try:
            refill()
            while running:
                watched = list(running) + [s.freed for s in running.values() if not s.freed.done()]
                done, _ = wait(watched, timeout=pace.slow() / 4, return_when=FIRST_COMPLETED)
                finished = [f for f in done if f in running]
                for future in finished:
                    del running[future]
                refill()                            # start the next ones before the bookkeeping
                for future in finished:
                    submission, report, skipped = future.result()
                    if not skipped:
                        pace.add(report.seconds)
                    if self.gradebook is not None and not skipped:
                        self.gradebook.record(report, submission.id, self.settings.assignment,
                                              self.settings_hash, _mtime(submission.path))
                    summary.add(report, skipped)
                    for sink in sinks:
                        sink.add(report, skipped)
        except BaseException:
            summary.complete = False
            pool.shutdown(wait=False, cancel_futures=True)
            self.zygote.kill_all("grading was interrupted")
            raise
        finally:
            summary.seconds = time.monotonic() - start
            for sink in sinks:
                sink.close(summary)
        pool.shutdown()
        return summary

    def close(self) -> None:
        self.zygote.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Slot:
    """One submission under way in ``Grader.grade_all``."""

    def __init__(self):
        self.started: float | None = None     # None while it waits for a thread
        self.freed: Future = Future()          # done once its processes are gone

    def free(self) -> None:
        self.freed.set_result(None)

    def holds(self, now: float, slow: float) -> bool:
        """Whether it holds one of the ``jobs`` places: queued, or running its
        processes for less than ``slow`` seconds."""
        return not self.freed.done() and (self.started is None or now - self.started < slow)


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0
