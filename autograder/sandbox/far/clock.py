"""Limits in CPU seconds, read from outside the process they limit, with a wall-clock backstop.

A correct unit needs the same CPU time however busy the machine is, so its limit
is counted in CPU seconds of its process (all its threads, and the children it has
reaped), read from ``/proc/<pid>/stat`` by the process that waits for it. A unit
that waits instead of computing (``time.sleep``, a blocking read) uses no CPU: it
is stopped at ``BACKSTOP`` times its limit of wall-clock time. Where ``/proc``
cannot be read, the limit is wall-clock time, as it was.
"""
from __future__ import annotations

import math
import os
import time

from autograder.sandbox.protocol import BACKSTOP

POLL = 0.25             # seconds: the longest wait between two readings of a busy process
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def stat_fields(pid: int) -> list[bytes] | None:
    """The fields of ``/proc/<pid>/stat`` after "pid (comm)" (state is [0], utime [11]);
    None if it cannot be read. comm may hold spaces and parentheses: it ends at the last ")"."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rfind(b")") + 2:].split()


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds used by ``pid`` and its reaped children; None if it cannot be read."""
    fields = stat_fields(pid)
    if fields is None:
        return None
    try:
        return sum(int(x) for x in fields[11:15]) / _TICK  # utime stime cutime cstime
    except ValueError:
        return None


class Scratch:
    """Container mode's cap on the scratch folder, which no tmpfs bounds there: the total
    of its files, measured at most every ``POLL`` seconds while a unit runs and once
    after it ends. A unit that takes it past ``cap`` bytes is stopped, and what it left
    is removed (all but ``keep``: the captured output, the submission's own file)."""

    def __init__(self, folder: str, cap: int, keep: set[str] | None = None):
        self.folder, self.cap, self.keep = folder, cap, set(keep or ())
        self.measured_at = -math.inf
        self.total = 0

    def usage(self) -> int:
        """Bytes on disk below the folder (links not followed)."""
        total, todo = 0, [self.folder]
        while todo:
            try:
                entries = list(os.scandir(todo.pop()))
            except OSError:
                continue
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += info.st_blocks * 512
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
        return total

    def over(self, now: float | None = None, force: bool = False) -> bool:
        now = time.monotonic() if now is None else now
        if force or now - self.measured_at >= POLL:
            self.measured_at, self.total = now, self.usage()
        return self.total > self.cap

    def clear(self) -> None:
        """Remove what the submission wrote (its folders stay, and ``keep``, emptied if even
        that is over the cap)."""
        for path, dirs, files in os.walk(self.folder, topdown=False):
            for name in files:
                full = os.path.join(path, name)
                if full not in self.keep:
                    try:
                        os.unlink(full)
                    except OSError:
                        pass
            for name in dirs:
                full = os.path.join(path, name)
                if os.path.islink(full):
                    try:
                        os.unlink(full)
                    except OSError:
                        pass
        if self.usage() > self.cap:     # what is kept is itself too large (scratch_mb below file_mb)
            for path in self.keep:
                try:
                    os.truncate(path, 0)
                except OSError:
                    pass
        self.measured_at = -math.inf    # measured again next time; ``total`` keeps what was found

    def settle(self) -> None:
        """After a unit: over the cap, it is cleared for the next one."""
        if self.over(force=True):
            self.clear()

    def message(self) -> str:
        return (f"it wrote {self.total / 2**20:.0f} MB to its scratch folder, more than the "
                f"{self.cap / 2**20:g} MB of limits.scratch_mb, and was stopped; the files were removed")


SCRATCH: Scratch | None = None      # container mode only (limits.enter): elsewhere a tmpfs caps the scratch


class Limit:
    """``seconds`` of CPU time for ``pid``, from now, and ``BACKSTOP`` times as much wall time.

    ``deadline`` (monotonic) is a wall-clock end that no restart moves: the submission's
    budget. ``reason()`` says which limit ran out."""

    def __init__(self, pid: int, seconds: float, deadline: float = math.inf):
        self.pid, self.seconds, self.deadline = pid, seconds, deadline
        self.restart()

    def restart(self, seconds: float | None = None) -> None:
        """Start the limit again (the next step of a unit, the next probe of a group)."""
        if seconds is not None:
            self.seconds = seconds
        self.started = time.monotonic()
        self.cpu_at_start = cpu_seconds(self.pid)

    def shift(self, seconds: float) -> None:
        """Do not count ``seconds`` of wall time (the process was stopped meanwhile)."""
        self.started += seconds

    def used(self, now: float) -> float:
        """CPU seconds used since the start; wall seconds where CPU time cannot be read."""
        cpu = cpu_seconds(self.pid) if self.cpu_at_start is not None else None
        return now - self.started if cpu is None else cpu - self.cpu_at_start

    def reason(self, now: float | None = None) -> str | None:
        """None while within every limit; else "cpu", "wall" (the backstop), "budget",
        "scratch" (container mode's scratch is over its cap), or "time" (the limit in
        wall time, where CPU time cannot be read)."""
        now = time.monotonic() if now is None else now
        if now >= self.deadline:
            return "budget"
        if SCRATCH is not None and SCRATCH.over(now):
            return "scratch"
        if now >= self.started + BACKSTOP * self.seconds:
            return "wall"
        if self.used(now) >= self.seconds:
            return "cpu" if self.cpu_at_start is not None else "time"
        return None

    def wake(self, now: float) -> float:
        """The soonest (monotonic) that a limit could run out: one thread uses CPU time
        no faster than wall time, so the CPU limit cannot end before what is left of it."""
        left = max(self.seconds - self.used(now), 0.005)
        return min(now + min(left, POLL), self.started + BACKSTOP * self.seconds, self.deadline)


def stopped(limit: float, reason: str, budget: float | None = None) -> dict:
    """The outcome of a unit stopped by ``reason`` (see ``Limit.reason``); a unit stopped
    for its scratch is reported as crashed (the runner then runs its cell again without the
    statement, as for one that hung)."""
    if reason == "scratch":
        message = SCRATCH.message() if SCRATCH is not None else "its scratch folder grew too large"
        return {"status": "crashed", "error": {"type": "scratch", "message": message}}
    if reason == "budget":
        message = (f"the submission had used its whole budget of {budget:g} s "
                   "(limits.submission_seconds) and it was stopped")
        return {"status": "timeout", "error": {"type": "budget", "message": message}}
    if reason in ("cpu", "time"):
        kind = " (CPU time)" if reason == "cpu" else ""
        message = f"it did not finish within the {limit:g} s limit{kind} and was stopped"
    else:
        message = (f"it was still running after {BACKSTOP * limit:g} s, three times its {limit:g} s "
                   "limit, while it waited (time.sleep or a blocking read), and was stopped")
    return {"status": "timeout", "error": {"type": "timeout", "message": message}}
