"""The warm zygote: imports torch once, then forks one process per submission.

Started by the grader with one end of a SOCK_SEQPACKET socket pair. Each
``spawn`` request gets a fresh socket pair; the forked child keeps one end and
the grader receives the other (SCM_RIGHTS), so it talks to the child directly.
The zygote never sees a submission and never holds the reference solution. At
start-up it tries the sandbox's kernel layers for real and reports what works.
"""
from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys


def _become_subreaper() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back here to be reaped
    except OSError:
        pass


def _huge_pages(step: int = 8 << 20):
    """Back the zygote's private memory with transparent huge pages, where the kernel can.

    Every fork copies the page tables of the process it forks, and with torch
    imported that is about 140 MB of private memory: 36,000 entries with 4 KB
    pages, 70 with 2 MB pages. Measured here, a fork, exit and wait of the warm
    worker fell from 15 ms to 4 ms. A child that writes to a shared huge page
    still copies only 4 KB of it. Best effort: MADV_COLLAPSE needs Linux 6.1,
    and where it fails nothing changes.

    A generator: each step collapses at most ``step`` bytes (a few milliseconds),
    so that the zygote can do it while it has nothing else to do.
    """
    import ctypes

    madv_hugepage, madv_collapse, huge = 14, 25, 2 << 20
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as maps:
            regions = [line.split() for line in maps]
    except OSError:
        return
    for fields in regions:
        if fields[1] != "rw-p" or (len(fields) > 5 and fields[5] != "[heap]"):
            continue        # only private, writable memory that no file backs
        start, end = (int(v, 16) for v in fields[0].split("-"))
        start, end = (start + huge - 1) & ~(huge - 1), end & ~(huge - 1)
        if end <= start or libc.madvise(start, end - start, madv_hugepage) != 0:
            continue
        for chunk in range(start, end, step):
            libc.madvise(chunk, min(step, end - chunk), madv_collapse)   # may fail: then it stays
            yield True


def _new_namespace(own_pidns: int | None, program: str | None) -> tuple[int | None, int | None]:
    """Root mode: a new PID namespace for the next child, with a spawned init
    (pidns.spawn_init). Returns the init's pid and the pipe end that keeps it
    alive, or (None, None): the child then builds its namespaces under a keeper."""
    from autograder.sandbox.far import pidns

    if own_pidns is None or program is None:
        return None, None
    if pidns.fresh_pid_namespace(own_pidns):
        try:
            return pidns.spawn_init(program)
        except OSError:
            pass
    pidns.rejoin_pid_namespace(own_pidns)    # a namespace whose init failed takes no children
    return None, None


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    control.set_inheritable(False)    # a spawned init must not hold it
    import gc

    gc.disable()                      # no collections while torch makes its objects (see cli.main)
    import torch

    torch.set_num_threads(1)          # before any fork: no OpenMP pool to deadlock in children
    torch.set_num_interop_threads(1)
    from autograder.sandbox import protocol
    from autograder.sandbox.far import cells, detect, libc, probes, runner, state, view

    sys.path.insert(0, str(cells.SHIMS))   # IPython and d2l as the sandbox offers them

    probes.seed_everything(0)   # warm the generators: a first seed in every fork costs ~15 ms
    state.remember_pristine()   # shared by every fork: a probe group need not copy torch's attributes
    gc.collect()
    gc.freeze()                 # keep the collector from touching (and copying) shared pages
    gc.enable()                 # submissions run with it, as in a kernel

    libc.name_process("ag-zygote")
    view.prepare()              # what every submission's filesystem is built from
    try:
        choice = json.loads(control.recv(4096) or b"null")   # the grader's first word (Launch.choose)
    except (OSError, ValueError):
        os._exit(0)
    if not isinstance(choice, dict) or choice.get("op") != protocol.SANDBOX:
        os._exit(0)                 # the grader is gone, or stopped before it chose
    sandbox = detect.detect(choice.get("mode") or os.environ.get("AUTOGRADER_SANDBOX") or None)
    _become_subreaper()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # children are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the grader decides when we stop
    try:
        control.send(json.dumps({"op": protocol.READY, "pid": os.getpid(), "torch": torch.__version__,
                                 "sandbox": sandbox}).encode())
    except OSError:
        os._exit(0)                 # the grader is gone already
    collapsing = _huge_pages()      # cheaper forks, done while no request waits
    own_pidns = None                # root mode: each submission's PID namespace gets a spawned init
    init_program = sandbox.pop("init", None)
    if init_program:
        try:
            own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY)
        except OSError:
            pass
    while True:
        if collapsing is not None and not select.select([control], [], [], 0)[0]:
            if next(collapsing, None) is None:
                collapsing = None
            continue
        try:
            data = control.recv(4096)
        except InterruptedError:
            continue
        except OSError:
            os._exit(0)             # the grader is gone
        if not data:
            os._exit(0)
        request = json.loads(data)
        if request.get("op") != protocol.SPAWN:
            continue
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        init, life = _new_namespace(own_pidns, init_program)
        held = None                 # container mode: the keeper's end of the grader's pipe
        if sandbox["mode"] == "container":
            held, life = os.pipe()
        pid = os.fork()
        if pid == 0:
            control.close()
            for fd in (own_pidns, life):
                if fd is not None:
                    os.close(fd)
            ours.close()
            try:
                runner.serve(theirs, in_namespace=init is not None, life=held)
            finally:
                os._exit(0)
        if held is not None:
            os.close(held)
        theirs.close()
        first = os.pidfd_open(init or pid)  # race-free: the grader kills the tree through it
        fds = [ours.fileno(), first] + ([life] if life is not None else [])
        try:
            socket.send_fds(control, [json.dumps({"op": protocol.SPAWNED, "pid": pid}).encode()], fds)
        except OSError:
            os._exit(0)             # the grader is gone (the new process dies with its namespace)
        ours.close()
        os.close(first)
        if life is not None:
            os.close(life)


if __name__ == "__main__":
    main()
