"""Wall time and peak memory of a command's whole process tree, and the side-by-side table, for the benchmarks.

Peak memory is the sum of PSS over the command's process and every descendant,
read from /proc/<pid>/smaps_rollup (RSS where that is missing) every
SAMPLE_EVERY seconds. The tree is followed through /proc/<pid>/task/*/children,
so a sample costs a few reads per process of the tree, not a scan of all of
/proc. A process stays in the tree once seen, even when it is reparented (a
daemonized kernel, an orphan), for as long as it lives; processes are known by
pid and start time, so a reused pid is never taken for one of the tree's. The
sampler's own CPU time is kept, so that a benchmark can say what measuring cost.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from autograder.sandbox.far.clock import stat_fields  # noqa: E402

SAMPLE_EVERY = 1.0      # s between memory samples; one sample reads smaps of every process


def _start_time(pid: int) -> int | None:
    fields = stat_fields(pid)
    return None if fields is None else int(fields[19])      # starttime


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return found


def _kb(path: str, key: str) -> int | None:
    """The value in kB of the line ``key`` of a /proc file; None when it has no such line."""
    with open(path) as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return None


def _memory_kb(pid: int) -> int:
    """PSS, or RSS where the kernel has no smaps_rollup; 0 for a process that is gone."""
    try:
        found = _kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    except FileNotFoundError:
        found = None
    except OSError:
        return 0
    if found is not None:
        return found
    try:
        return _kb(f"/proc/{pid}/status", "VmRSS:") or 0
    except OSError:
        return 0


class TreeSampler(threading.Thread):
    """Samples the summed PSS of a process and all its descendants every SAMPLE_EVERY s."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.tree: dict[int, int] = {}          # pid -> start time
        self.peak_kb = 0
        self.cpu_seconds = 0.0                  # what sampling cost
        self._done = threading.Event()
        self._lock = threading.Lock()

    def sample(self) -> None:
        with self._lock:                        # kill_all() samples from another thread
            if not self.tree and (t := _start_time(self.root)) is not None:
                self.tree[self.root] = t
            alive = {pid: t for pid, t in self.tree.items() if _start_time(pid) == t}
            todo = list(alive)
            while todo:
                for child in _children(todo.pop()):
                    if child not in alive and (t := _start_time(child)) is not None:
                        alive[child] = t
                        todo.append(child)
            self.tree = alive
            self.peak_kb = max(self.peak_kb, sum(_memory_kb(pid) for pid in self.tree))

    def run(self) -> None:
        start = time.thread_time()
        while not self._done.is_set():
            self.sample()
            self.cpu_seconds = time.thread_time() - start
            self._done.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def kill_all(self) -> None:
        """SIGKILL every live process of the tree (the root too, if it still runs)."""
        self.sample()
        for pid in list(self.tree):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@dataclass
class Run:
    returncode: int | None          # None: killed at the timeout
    seconds: float
    peak_mb: float
    log: Path
    sampler_cpu: float = 0.0        # CPU seconds spent measuring memory


def measured(cmd: list[str], cwd: Path, log: Path, timeout: float,
             env: dict[str, str] | None = None) -> Run:
    """Run cmd with its output in log, sampling the memory of its process tree."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
            sampler.kill_all()
            proc.wait()
        seconds = time.perf_counter() - start
        sampler.stop()
        # whatever the tool left behind (a kernel it started in its own session)
        sampler.kill_all()
    return Run(rc, seconds, sampler.peak_kb / 1024, log, sampler.cpu_seconds)


def print_beside(rows: list[tuple[str, float]], baseline: float, head: str = "what",
                 versus: str = "vs fresh import torch", width: int = 48) -> None:
    """Seconds per row, beside their ratio to the baseline measured in the same run."""
    print(f"{head:<{width}} {'seconds':>9} {versus:>{len(versus) + 1}}")
    for what, secs in rows:
        print(f"{what:<{width}} {secs:>9.3f} {secs / baseline:>{len(versus)}.2f}x")
