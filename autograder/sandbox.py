"""The process-level layers of the sandbox, applied in the runner before student code.

The kernel layers (namespaces, uid, capabilities) are in isolation.py. Here: a
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


def enter(limits: dict, home: str, own_uid: bool) -> str:
    """Apply the process-level layers to the runner. Returns its scratch directory."""
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
    if own_uid:     # the uid is this submission's alone, so its process count is too
        _set_limit(resource.RLIMIT_NPROC, 256)
    return scratch


def hidden_paths(config: Path | None, settings, out_dir: Path | None) -> list[str]:
    """What the child must not read: the course's files, its secret, the grader's output."""
    paths = []
    if config is not None:
        base = config.resolve().parent
        paths.append(config.resolve())
        if settings.secret_file:
            paths.append(base / settings.secret_file)
        paths += [base / "solutions", base / "tests", base / ".git", base / ".autograder-secret"]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths.append(out_dir.resolve())
    return [str(p) for p in dict.fromkeys(paths)]
