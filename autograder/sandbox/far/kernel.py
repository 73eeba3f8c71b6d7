"""Kernel layers around a submission: namespaces, a dropped uid, no capabilities.

The submission's process tree looks like this. As root, where the kernel allows
it (``pidns.spawn_init``):

    zygote (root, torch imported)
      |- init     pid 1 of the submission's new PID namespace: a tiny program
      |           (``cat``) spawned without a fork, reading a pipe whose other end
      |           the grader holds. It exits when the grader closes that end or
      |           dies, and the kernel then kills the whole PID namespace. It ignores
      |           SIGCHLD, so the kernel reaps the orphans that come to it.
      `- runner   pid 2 of that namespace, forked from the zygote: unshares the
                  other namespaces, builds its filesystem from an allowlist and
                  makes it the root (view.py), drops to an
                  unprivileged uid with no capabilities, sets no_new_privs, then runs
                  the student's cells and probes (see runner.py).

Otherwise (in a user namespace, or where that fails), every process is forked:

    zygote
      `- keeper   trusted; unshares the namespaces, forks the init, waits for it.
                  The grader holds a pidfd of the keeper: killing it kills the init
                  (PR_SET_PDEATHSIG), and the kernel then kills the whole PID namespace.
          `- init     pid 1 of the new PID namespace; trusted; builds the view, then forks
                      the runner and reaps orphans.
              `- runner   as above.

Two modes, chosen at start-up by `detect.detect()` (a third, ``container``, with no
namespaces, only when asked for: container.py):

* ``root``: the grader runs as root (CI, Gradescope). PID, mount, network, IPC and
  UTS namespaces; the runner gets its own uid, no groups and no capabilities.
* ``userns``: the grader is an ordinary user. The same namespaces inside a new
  user namespace whose only uid is an ordinary one (mapped to the grader's); the
  runner holds no capabilities, even inside its namespace.

Either way: the child cannot raise its limits, cannot signal anything outside
its PID namespace (``os.kill(-1, 9)`` stays inside), cannot gain privileges, has
no network, and sees only the allowlisted filesystem of view.py: the grader's own
is not hidden but absent, and nothing outside the scratch is writable.
"""
from __future__ import annotations

import errno
import os
import signal

from autograder.sandbox.far import libc, view

SANDBOX_UID_BASE = 2_000_000     # root mode: uid = base + a pid outside, unique per submission
USERNS_UID = 1000                # userns mode: the one uid mapped inside (to the grader's own)


def _init_loop() -> None:
    """pid 1 of the namespace: reap every orphan; leave when nothing is left."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue


def isolate(mode: str, scratch_mb: int, close_fds: tuple[int, ...] = (),
            in_namespace: bool = False) -> str:
    """Called in the submission's first process, before any student code.

    ``in_namespace``: the zygote forked this process into a PID namespace that has
    its init already (``spawn_init``), so it is the runner from the start.
    Returns only in the runner (with the path of its home in the scratch tmpfs);
    the keeper and the init never return.
    """
    outer_uid, outer_gid = os.getuid(), os.getgid()
    if in_namespace:
        # /proc is still the grader's, so /proc/self names this process's pid outside,
        # unique per submission
        uid = SANDBOX_UID_BASE + int(os.readlink("/proc/self"))
        libc.unshare(libc.NAMESPACES & ~libc.CLONE_NEWPID)
        libc.die_with_parent()
        home = view.build(scratch_mb, uid)
        libc.name_process("ag-runner")
        return _drop_privileges(mode, uid, home)
    if mode == "userns":
        libc.unshare(libc.CLONE_NEWUSER | libc.NAMESPACES)
        libc.write_file("/proc/self/setgroups", "deny")
        # inside, the only uid is an ordinary one: there is no root to become
        libc.write_file("/proc/self/uid_map", f"{USERNS_UID} {outer_uid} 1")
        libc.write_file("/proc/self/gid_map", f"{USERNS_UID} {outer_gid} 1")
        uid = USERNS_UID
    else:
        libc.unshare(libc.NAMESPACES)
        uid = SANDBOX_UID_BASE + os.getpid()
    libc.name_process("ag-keeper")
    init = os.fork()
    if init:                        # the keeper
        for fd in close_fds:
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            os.waitpid(init, 0)
        finally:
            os._exit(0)
    libc.die_with_parent()
    home = view.build(scratch_mb, uid)
    libc.name_process("ag-init")
    runner = os.fork()
    if runner:                      # the init
        for fd in close_fds:
            os.close(fd)
        _init_loop()
    libc.name_process("ag-runner")
    libc.die_with_parent()
    return _drop_privileges(mode, uid, home)


def _drop_privileges(mode: str, uid: int, home: str) -> str:
    """The runner's last step as root: an ordinary uid with no groups (root and container
    mode), or no capabilities (userns mode); a keyring of its own; no_new_privs."""
    if mode in ("root", "container"):
        os.setgroups([])
        libc.drop_bounding_set()
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)     # leaving uid 0 clears every remaining capability
    else:
        libc.clear_capabilities()
    try:
        libc.new_session_keyring()      # owned by the new uid, shared with nothing
    except libc.IsolationError as exc:
        # Docker's seccomp profile refuses keyctl to a container: no keys to leak there
        if mode != "container" or exc.errno != errno.EPERM:
            raise
    # a change of uid leaves the process not dumpable, and its /proc (hidepid) would hide
    # the submission's own processes from each other: the runner reads its units' CPU time
    libc.check(libc.prctl(libc.PR_SET_DUMPABLE, 1), "dumpable")
    libc.no_new_privs()
    return home


def counts_processes_per_namespace() -> bool:
    """Linux 5.14 and later count RLIMIT_NPROC per user namespace: in userns mode the
    limit then binds the submission's own processes, not all of the grader's uid."""
    try:
        major, minor = (int(x) for x in os.uname().release.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (5, 14)


VIEW = ("mount namespace whose root is an allowlist: the interpreter, its libraries and "
        "/dev/null and the like read-only, a size-capped tmpfs scratch at /tmp")
KEYRING = "a session keyring of its own"
LAYERS = {
    "root": ["PID namespace (the tree dies with its init; os.kill(-1) stays inside)",
             VIEW,
             "network namespace (no network)", "unprivileged uid with no groups and no capabilities",
             KEYRING, "no_new_privs", "rlimits (CPU, DATA, FSIZE, NOFILE, NPROC, CORE=0)"],
    "userns": ["user namespace", "PID namespace (the tree dies with its init; os.kill(-1) stays inside)",
               VIEW,
               "network namespace (no network)", "no capabilities", KEYRING, "no_new_privs",
               "rlimits (CPU, DATA, FSIZE, NOFILE, NPROC where Linux 5.14+ counts it per user namespace, "
               "CORE=0)"],
    # no namespace at all (far/container.py): for a root grader in a container that refuses them
    "container": ["no namespaces (the container refuses them): NO network isolation, and files that any "
                  "uid may read stay readable",
                  "unprivileged uid of its own with no groups and no capabilities", "no_new_privs",
                  "a subreaper keeper that kills every process of that uid when the submission ends",
                  "a private scratch folder owned by that uid (FSIZE per file, its total checked "
                  "against scratch_mb)",
                  "rlimits (CPU, DATA, FSIZE, NOFILE, NPROC, CORE=0)"],
}
