"""The process-level layers of the sandbox, applied in the submission's process before its code.

The kernel layers (namespaces, uid, capabilities) are in kernel.py. Here: a
fresh scratch directory in the private tmpfs as the working directory, HOME and
TMPDIR; an environment built from an allowlist; rlimits; capped captured output.
"""
from __future__ import annotations

import os
import resource
import signal
import sys
import tempfile
from pathlib import Path

from autograder.sandbox.environment import child_environment
from autograder.sandbox.far import clock

class CappedWriter:
    """A text stream that keeps at most ``limit`` characters and drops the rest."""

    def __init__(self, stream, limit: int):
        self._stream, self._left = stream, limit

    def write(self, text):
        text = str(text)
        if self._left > 0:
            part = text[: self._left]
            self._left -= len(part)
            try:
                self._stream.write(part)
                self._stream.flush()
            except OSError:
                pass
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        return self._stream.fileno()


def _set_limit(which: int, soft: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, soft))


def _data_in_use() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def enter(limits: dict, home: str, count_processes: bool, watch_scratch: bool = False) -> str:
    """Apply the process-level layers to the runner. Returns its scratch directory.
    ``watch_scratch`` (container mode, where no tmpfs caps ``home``): its total is
    checked against ``scratch_mb`` while each unit runs and after it (``clock.Scratch``)."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    scratch = tempfile.mkdtemp(prefix="work-", dir=home)
    os.chdir(scratch)
    env = child_environment(os.environ, scratch)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = scratch
    # output goes to a file in the scratch directory, capped at the Python level
    out = open(os.path.join(scratch, ".output"), "w", buffering=1, encoding="utf-8",
               errors="replace")
    if watch_scratch:
        clock.SCRATCH = clock.Scratch(home, int(limits["scratch_mb"]) * 1024 * 1024, keep={out.name})
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out.fileno(), 1)
    os.dup2(out.fileno(), 2)
    cap = int(limits["output_kb"]) * 1024
    sys.stdout = CappedWriter(out, cap)
    sys.stderr = CappedWriter(out, cap)
    sys.stdin = open(os.devnull)
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_FSIZE, int(limits["file_mb"]) * 1024 * 1024)
    _set_limit(resource.RLIMIT_NOFILE, 256)
    _set_limit(resource.RLIMIT_DATA, _data_in_use() + int(limits["memory_mb"]) * 1024 * 1024)
    # a backstop for CPU time per process; wall-clock limits stop units sooner
    longest = max(float(limits["cell_seconds"]), float(limits["training_seconds"]))
    _set_limit(resource.RLIMIT_CPU, int(longest * 4) + 10)
    if count_processes:     # its uid's count is this submission's alone (its own uid, or its own user namespace)
        _set_limit(resource.RLIMIT_NPROC, 256)
    return scratch
