"""One unit of work in a fork of the submission's process, under a CPU-time limit enforced from outside it.

A unit's outcome comes back on a pipe as one protocol frame: what it returned or
raised, and the seconds it took; a process that dies or hangs gets an outcome
that says how.
"""
from __future__ import annotations

import math
import mmap
import os
import select
import signal
import struct
import time
from dataclasses import dataclass

from autograder.sandbox import protocol
from autograder.sandbox.far import cells, clock, libc

_SIGNAL_NAMES = {signal.SIGSEGV: "a segmentation fault (SIGSEGV)", signal.SIGABRT: "an abort (SIGABRT)",
                 signal.SIGBUS: "a bus error (SIGBUS)", signal.SIGFPE: "a floating-point exception (SIGFPE)",
                 signal.SIGKILL: "SIGKILL (often: out of memory)", signal.SIGXCPU: "the CPU time limit (SIGXCPU)"}


def exit_message(status: int) -> dict:
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return {"status": "exited", "error": {"type": "exit", "code": code,
                "message": f"the process exited with code {code} (os._exit or a C-level exit)"}}
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    name = _SIGNAL_NAMES.get(sig, f"signal {sig}")
    return {"status": "crashed", "error": {"type": "signal", "code": sig,
            "message": f"the process was killed by {name}"}}


@dataclass
class Unit:
    outcome: dict | None
    in_fork: bool                 # True in the fork that ran the unit and carries on
    go_fd: int | None = None      # write b"g" here to let a finished cell's fork carry on


SCRATCH_EXIT = 86     # container mode: a unit's fork found the scratch over its cap after a step


class Progress:
    """Which step of a unit runs now (a top-level statement of a cell), in memory shared
    with the unit's fork: the limit applies to each step, and a hang names its step.
    In container mode the fork also checks the scratch's total before each next step,
    and leaves (``SCRATCH_EXIT``) when the step that just ended took it over the cap.
    ``every=10`` (training's place among the five functions, which changes some 1,200
    times a run): the total is measured at every tenth step, not at each, where walking a
    scratch of many files would cost a correct training its limit."""

    _CELL = struct.Struct("q")

    def __init__(self, every: int = 1):
        self._mem = mmap.mmap(-1, self._CELL.size)
        self._owner = os.getpid()
        self._every, self._steps = every, 0     # steps counted in the fork, which has its own copy
        self.at(-1)

    def at(self, step: int) -> None:
        if step > 0 and clock.SCRATCH is not None and os.getpid() != self._owner:
            self._steps += 1
            if self._steps % self._every == 0 and clock.SCRATCH.over(force=True):
                os._exit(SCRATCH_EXIT)      # the step still named here is the one that filled it
        self._CELL.pack_into(self._mem, 0, step)

    def current(self) -> int:
        return self._CELL.unpack_from(self._mem, 0)[0]


def run_unit(func, limit: float, continue_in_child: bool, progress: Progress | None = None,
             deadline: float = math.inf, budget: float | None = None) -> Unit:
    """Run ``func`` in a fork and report its outcome, with a limit of ``limit`` CPU
    seconds (``clock.Limit``) and the submission's wall-clock ``deadline``. With
    ``progress``, the limit is for each step that ``func`` announces there, and a
    timeout's outcome names the step (``"step"``)."""
    res_r, res_w = os.pipe()
    go_r, go_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the unit's process
        os.close(res_r)
        os.close(go_w)
        os.setpgid(0, 0)
        libc.name_process("ag-cell")
        try:
            protocol.write_all(res_w, outcome_frame(func))
            os.close(res_w)
        except OSError:
            os._exit(70)
        if not continue_in_child:
            os._exit(0)
        if os.read(go_r, 1) != b"g":   # the old runner died: nobody is listening
            os._exit(0)
        os.close(go_r)
        libc.name_process("ag-runner")
        return Unit(None, True)
    os.close(res_w)
    os.close(go_r)
    outcome = _await_outcome(res_r, clock.Limit(pid, limit, deadline), progress, budget)
    os.close(res_r)
    if _finished(outcome) and clock.SCRATCH is not None and clock.SCRATCH.over(force=True):
        # it finished, but its last step took the scratch over the cap: as if stopped there
        outcome = _at(clock.stopped(limit, "scratch"), progress, progress.current() if progress else -1)
    if _finished(outcome) and continue_in_child:
        outcome["seconds"] = time.monotonic() - start
        return Unit(outcome, False, go_w)
    status = stop(pid, kill=not _finished(outcome))
    if outcome is None and scratch_exit(status):
        outcome = _at(clock.stopped(limit, "scratch"), progress, progress.current() if progress else -1)
    outcome = outcome or exit_message(status)
    os.close(go_w)
    outcome["seconds"] = time.monotonic() - start
    return Unit(outcome, False)


def scratch_exit(status: int | None) -> bool:
    """The process left with ``SCRATCH_EXIT`` and the scratch is indeed over its cap
    (container mode, measured by ``stop``): stopped for its scratch, not an exit of its own."""
    return status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == SCRATCH_EXIT \
        and clock.SCRATCH is not None and clock.SCRATCH.total > clock.SCRATCH.cap


def outcome_frame(func, **extra) -> bytes:
    """Run ``func`` (student code somewhere below it) and encode what happened,
    with ``extra`` fields and the seconds it took."""
    start = time.monotonic()
    try:
        payload = {"status": "ok", "result": func()}
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything
        payload = {"status": "raised", "error": cells.describe_exception(exc)}
    seconds = time.monotonic() - start
    try:
        return protocol.encode({**extra, **payload, "seconds": seconds})
    except Exception as exc:  # noqa: BLE001
        return protocol.encode({**extra, "status": "raised", "seconds": seconds, "error": {
            "type": "UnreportableResult",
            "message": f"the result could not be reported: {exc or type(exc).__name__}", "where": None}})


def _await_outcome(fd: int, limit: clock.Limit, progress: Progress | None,
                   budget: float | None) -> dict | None:
    """The unit's outcome from its pipe; None when it died without one. The limit
    restarts whenever ``progress`` moves on to another step."""
    step = progress.current() if progress is not None else -1
    while True:
        now = time.monotonic()
        if progress is not None and progress.current() != step:
            step = progress.current()
            limit.restart()
        reason = limit.reason(now)
        if reason is not None:
            return _at(clock.stopped(limit.seconds, reason, budget), progress, step)
        ready, _, _ = select.select([fd], [], [], max(0.0, limit.wake(now) - now))
        if not ready:
            continue
        try:   # the frame is being written: it is read in full, or the wall backstop ends it
            frame = protocol.read_frame_fd(fd, now + clock.BACKSTOP * limit.seconds)
            return protocol.decode(frame) if frame is not None else None
        except protocol.Timeout:
            return _at(clock.stopped(limit.seconds, "wall"), progress, step)
        except protocol.WireError as exc:
            return {"status": "crashed", "error": {"type": "wire", "message": str(exc)}}


def _at(outcome: dict, progress: Progress | None, step: int) -> dict:
    return {**outcome, "step": step} if progress is not None else outcome


def _finished(outcome: dict | None) -> bool:
    return outcome is not None and outcome.get("status") in ("ok", "raised")


def stop(pid: int, kill: bool, wait: bool = True) -> int | None:
    """Reap a unit's process (killing its process group first); returns its wait status.
    ``wait=False`` (check() in a student's kernel, for a process that has reported all it
    had to): a thread reaps it, so that its exit, a few milliseconds for a process the size
    of a kernel, is not waited for; None is returned."""
    if kill:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    if not wait:
        reap_later(pid)
        return None
    status = os.waitpid(pid, 0)[1]
    if clock.SCRATCH is not None:
        clock.SCRATCH.settle()      # container mode: the scratch's total, after each unit
    return status


def reap_later(pid: int) -> None:
    """Reap a child process, once it has ended, in a thread of its own."""
    import threading
    try:
        threading.Thread(target=_reap, args=(pid,), name=f"autograder-reap-{pid}", daemon=True).start()
    except RuntimeError:         # no thread to be had (a limit on processes): reaped here, now
        _reap(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass                     # reaped already (a SIGCHLD handler of the host's)
