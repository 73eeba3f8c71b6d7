"""Which sandbox this machine allows, tried for real at the zygote's start-up in throw-away children."""
from __future__ import annotations

import ctypes
import errno
import os
import shutil

from autograder.sandbox.far import container, libc
from autograder.sandbox.far.kernel import LAYERS, isolate
from autograder.sandbox.far.pidns import (INIT_PROGRAM, fresh_pid_namespace, rejoin_pid_namespace,
                                          spawn_init)


def _works_in_child(attempt) -> str | None:
    """Run ``attempt()`` in a throw-away child; None when it returns, else why not."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            attempt()
            os.write(w, b"ok")
        except BaseException as exc:  # noqa: BLE001
            os.write(w, str(exc).encode()[:500])
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        answer = f.read().decode(errors="replace")
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    return None if answer == "ok" else (answer or "the test process died")


def namespace_pid(pid: int | str = "self") -> str:
    """A process's pid inside its own PID namespace (the last NSpid field)."""
    with open(f"/proc/{pid}/status") as f:
        return next(line.split()[-1] for line in f if line.startswith("NSpid:"))


def _runner_is_unprivileged(mode: str, nspid: str | None = None) -> None:
    if os.getuid() == 0 and mode == "root":
        raise libc.IsolationError(errno.EPERM, "still root")
    if nspid is not None:
        seen = namespace_pid()
        if seen != nspid:
            raise libc.IsolationError(errno.EPERM, f"pid {seen} in its namespace, not {nspid}")


def probe_mode(mode: str) -> str | None:
    """Try a mode in a throw-away child; None when it works, else why not."""
    if mode == "container":
        return _works_in_child(lambda: (container.isolate(), container.is_unprivileged()))
    if mode not in LAYERS:
        return f"no such mode (expected one of {', '.join(LAYERS)})"
    return _works_in_child(lambda: (isolate(mode, 1), _runner_is_unprivileged(mode)))


def probe_spawned_init(own: int, program: str) -> str | None:
    """Try ``spawn_init`` and a runner beside it, once, in the zygote (as root);
    None when it works, else why not. Either way the zygote's next children are
    born in its own PID namespace again."""
    life = None
    try:
        if not fresh_pid_namespace(own):
            return f"a new PID namespace: {os.strerror(ctypes.get_errno())}"
        init, life = spawn_init(program)
        why = _works_in_child(lambda: (isolate("root", 1, in_namespace=True),
                                       _runner_is_unprivileged("root", nspid="2")))
        os.close(life)              # the init exits, and the test namespace with it
        life = None
        try:
            os.waitpid(init, 0)
        except ChildProcessError:
            pass
        return why
    except OSError as exc:
        return str(exc)
    finally:
        if life is not None:
            os.close(life)
        rejoin_pid_namespace(own)


def detect(forced: str | None = None) -> dict:
    """Which mode this machine allows, tried for real. Runs once in the zygote.
    ``forced`` tries that mode only; without it, root then userns (container mode is
    never a fallback: it must be asked for).

    In root mode, ``init`` is the program that ``spawn_init`` starts as each
    submission's pid 1, or None when that does not work here (a keeper then)."""
    modes = [forced] if forced else (["root", "userns"] if os.getuid() == 0 else ["userns"])
    problems = {}
    for mode in modes:
        why = probe_mode(mode)
        if why is None:
            found = {"mode": mode, "layers": LAYERS[mode], "problems": problems, "init": None}
            program = shutil.which(INIT_PROGRAM)
            if mode == "root" and program:
                own = os.open("/proc/self/ns/pid", os.O_RDONLY)
                try:
                    why_not = probe_spawned_init(own, program)
                finally:
                    os.close(own)
                if why_not is None:
                    found["init"] = program
                else:
                    problems["spawned init"] = why_not
            return found
        problems[mode] = why
    return {"mode": None, "layers": [], "problems": problems}
