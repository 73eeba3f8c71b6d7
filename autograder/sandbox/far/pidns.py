"""The zygote's PID namespaces, as root: a fresh one per submission, and its pid 1 spawned without a fork."""
from __future__ import annotations

import os

from autograder.sandbox.far import libc


def fresh_pid_namespace(own: int) -> bool:
    """In the zygote, as root: make its next child the first process of a new PID namespace.

    ``own`` is a descriptor of the zygote's own PID namespace. Joining it again
    first resets the namespace of the zygote's next children, which a second
    unshare would refuse while the previous submission's namespace is still set.
    False when the kernel refuses.
    """
    return libc.LIBC.setns(own, libc.CLONE_NEWPID) == 0 and libc.LIBC.unshare(libc.CLONE_NEWPID) == 0


def rejoin_pid_namespace(own: int) -> None:
    """The zygote's next children are born in its own PID namespace again."""
    libc.LIBC.setns(own, libc.CLONE_NEWPID)


INIT_PROGRAM = "cat"    # reads its standard input until end of file, and does nothing else


def spawn_init(program: str) -> tuple[int, int]:
    """In the zygote, right after ``fresh_pid_namespace``: start the namespace's pid 1.

    The init is ``program`` (an absolute path to ``cat``), spawned without a fork
    (``posix_spawn`` shares the zygote's memory until the exec), so it costs neither
    a copy of the zygote's page tables nor a Python process's exit. Its standard
    input is a pipe; the write end is returned, for the grader to hold: the init
    exits, and its namespace dies, when that end is closed. It inherits the
    zygote's ignored SIGCHLD, so the kernel reaps the orphans that it adopts.
    Returns (its pid, the write end).
    """
    r, w = os.pipe()                # both close on exec
    try:
        pid = os.posix_spawn(program, [program], {}, file_actions=[
            (os.POSIX_SPAWN_DUP2, r, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, 1, 2)])
    except OSError:
        os.close(w)
        raise
    finally:
        os.close(r)
    return pid, w
