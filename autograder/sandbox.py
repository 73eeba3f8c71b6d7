"""The layers around a submission's process.

Applied in the child right after the fork, before any student code runs:
a new session (so the whole tree can be killed), a fresh scratch directory as
the working directory, HOME and TMPDIR, an environment built from an allowlist,
rlimits, and capped captured output. The parent kills the session when a unit
overruns its limit.
"""
from __future__ import annotations

import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

ENV_ALLOW_EXACT = ("PATH", "LANG")
ENV_ALLOW_PREFIX = ("LC_", "OPENBLAS_", "OMP_", "MKL_")


def child_environment(environ, home: str) -> dict[str, str]:
    """The student's environment: an allowlist, never a denylist."""
    env = {k: v for k, v in environ.items()
           if k in ENV_ALLOW_EXACT or k.startswith(ENV_ALLOW_PREFIX)}
    env.update({"HOME": home, "TMPDIR": home, "MPLBACKEND": "Agg",
                "AUTOGRADER_GRADING": "1", "PYTHONHASHSEED": "0"})
    return env


class CappedWriter:
    """A text stream that keeps at most ``limit`` characters and drops the rest."""

    def __init__(self, stream, limit: int):
        self._stream, self._left = stream, limit
        self.truncated = False

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
        if len(text) and self._left <= 0:
            self.truncated = True
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


def enter(limits: dict, scratch_parent: str | None = None) -> str:
    """Apply the layers to this (child) process. Returns the scratch directory."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    scratch = tempfile.mkdtemp(prefix="autograder-", dir=scratch_parent)
    os.chdir(scratch)
    env = child_environment(os.environ, scratch)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = scratch
    # output goes to a file in the scratch directory, capped at the Python level
    out = open(os.path.join(scratch, ".output"), "w", buffering=1, encoding="utf-8",
               errors="replace")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out.fileno(), 1)
    os.dup2(out.fileno(), 2)
    cap = int(limits.get("output_kb", 256)) * 1024
    sys.stdout = CappedWriter(out, cap)
    sys.stderr = CappedWriter(out, cap)
    sys.stdin = open(os.devnull)
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_FSIZE, int(limits.get("file_mb", 50)) * 1024 * 1024)
    _set_limit(resource.RLIMIT_NOFILE, 256)
    _set_limit(resource.RLIMIT_DATA, _data_in_use() + int(limits.get("memory_mb", 1024)) * 1024 * 1024)
    return scratch


def kill_session(sid: int, rounds: int = 20) -> None:
    """SIGKILL every process whose session id is ``sid`` (the submission's tree)."""
    for _ in range(rounds):
        found = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if len(fields) > 3 and int(fields[3]) == sid and fields[0] != "Z":
                found = True
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.005)
