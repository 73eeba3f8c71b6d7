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
                  other namespaces, mounts /proc, the size-capped tmpfs scratch and
                  the overmounts that hide the course's files, drops to an
                  unprivileged uid with no capabilities, sets no_new_privs, then runs
                  the student's cells and probes (see runner.py).

Otherwise (in a user namespace, or where that fails), every process is forked:

    zygote
      `- keeper   trusted; unshares the namespaces, forks the init, waits for it.
                  The grader holds a pidfd of the keeper: killing it kills the init
                  (PR_SET_PDEATHSIG), and the kernel then kills the whole PID namespace.
          `- init     pid 1 of the new PID namespace; trusted; mounts, then forks
                      the runner and reaps orphans.
              `- runner   as above.

Two modes, chosen at start-up by `detect.detect()`:

* ``root``: the grader runs as root (CI, Gradescope). PID, mount, network, IPC and
  UTS namespaces; the runner gets its own uid, no groups and no capabilities.
* ``userns``: the grader is an ordinary user. The same namespaces inside a new
  user namespace whose only uid is an ordinary one (mapped to the grader's); the
  runner holds no capabilities, even inside its namespace.

Either way: the child cannot raise its limits, cannot signal anything outside
its PID namespace (``os.kill(-1, 9)`` stays inside), cannot gain privileges, has
no network, and cannot read what the grader hides.
"""
from __future__ import annotations

import os
import signal
import stat
import sys
from pathlib import Path

from autograder.sandbox.far import libc

# Directories that anyone may write to: each gets a private, size-capped tmpfs.
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
SCRATCH = "/tmp"
SANDBOX_UID_BASE = 2_000_000     # root mode: uid = base + a pid outside, unique per submission
USERNS_UID = 1000                # userns mode: the one uid mapped inside (to the grader's own)


def _mounts(scratch_mb: int, hide: list[str], owner: int) -> None:
    """In the init of the new namespaces: private mounts, /proc, scratch, hidden paths."""
    libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)
    libc.mount("proc", "/proc", "proc", libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC)
    needed = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in _interpreter_paths()}
    for target in WORLD_WRITABLE:
        if os.path.isdir(target) and not os.path.islink(target):
            size = scratch_mb if target == SCRATCH else 1
            libc.mount("tmpfs", target, "tmpfs", libc.MS_NOSUID | libc.MS_NODEV,
                   f"size={size}m,mode=1777,nr_inodes=4096")
    _expose(needed)
    home = os.path.join(SCRATCH, "home")
    os.mkdir(home, 0o700)
    os.chown(home, owner, owner)
    # a hidden file becomes an empty file that nobody may open; a hidden directory
    # an empty one that nobody may list (read-only, so not even its owner can chmod it)
    blank = os.path.join(SCRATCH, ".blank")
    os.close(os.open(blank, os.O_CREAT | os.O_WRONLY, 0o000))
    os.chmod(blank, 0o000)
    for path in hide:
        p = Path(path)
        if not p.exists() or p.is_symlink():
            continue
        if p.is_dir():
            libc.mount("tmpfs", str(p), "tmpfs", libc.MS_RDONLY | libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC,
                   "size=4k,mode=000")
        else:
            libc.mount(blank, str(p), None, libc.MS_BIND)
            libc.mount(None, str(p), None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY)
    os.unlink(blank)


def _interpreter_paths() -> list[str]:
    """What the unprivileged runner must read: the interpreter and its import path."""
    paths = {sys.base_prefix, sys.prefix, sys.exec_prefix}
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    return sorted(os.path.realpath(p) for p in paths)


def _blocked_ancestor(path: str) -> str | None:
    """The highest directory above ``path`` that other users cannot search, if any."""
    parts = Path(path).parts
    for i in range(1, len(parts)):
        ancestor = str(Path(*parts[:i + 1]))
        try:
            mode = os.stat(ancestor).st_mode
        except FileNotFoundError:      # under a fresh tmpfs: _expose binds it back
            return None
        if not (mode & stat.S_IXOTH):
            return ancestor
    return None


def _expose(needed: dict[str, int]) -> None:
    """Keep the interpreter and its import path reachable for the runner's uid.

    Two things can hide them: a private parent directory (a Python under /root, say)
    and the fresh tmpfs over /tmp (a checkout under /tmp). Either way, in this mount
    namespace only, the path is bound back in from a descriptor opened before, read-only.
    """
    blocked: dict[str, list[str]] = {}
    for path in needed:
        ancestor = _blocked_ancestor(path)
        if ancestor is not None:
            blocked.setdefault(ancestor, []).append(path)
    for ancestor in sorted(blocked):
        libc.mount("tmpfs", ancestor, "tmpfs", libc.MS_NOSUID | libc.MS_NODEV, "size=64k,mode=755")
    for path in sorted(needed, key=len):
        fd = needed[path]
        reachable = os.path.isdir(path) and os.path.samestat(os.stat(path), os.fstat(fd))
        if not reachable:
            os.makedirs(path, mode=0o755, exist_ok=True)
            libc.mount(f"/proc/self/fd/{fd}", path, None, libc.MS_BIND | libc.MS_REC)
            libc.mount(None, path, None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY)
        os.close(fd)


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


def isolate(mode: str, scratch_mb: int, hide: list[str], close_fds: tuple[int, ...] = (),
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
        _mounts(scratch_mb, hide, uid)
        libc.name_process("ag-runner")
        return _drop_privileges(mode, uid)
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
    _mounts(scratch_mb, hide, uid)
    libc.name_process("ag-init")
    runner = os.fork()
    if runner:                      # the init
        for fd in close_fds:
            os.close(fd)
        _init_loop()
    libc.name_process("ag-runner")
    libc.die_with_parent()
    return _drop_privileges(mode, uid)


def _drop_privileges(mode: str, uid: int) -> str:
    """The runner's last step as root: an ordinary uid, or no capabilities; no_new_privs."""
    if mode == "root":
        os.setgroups([])
        libc.drop_bounding_set()
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)     # leaving uid 0 clears every remaining capability
    else:
        libc.clear_capabilities()
    libc.no_new_privs()
    return os.path.join(SCRATCH, "home")


LAYERS = {
    "root": ["PID namespace (the tree dies with its init; os.kill(-1) stays inside)",
             "mount namespace (private /tmp tmpfs with a size cap, course files hidden)",
             "network namespace (no network)", "unprivileged uid with no groups and no capabilities",
             "no_new_privs", "rlimits (CPU, DATA, FSIZE, NOFILE, NPROC, CORE=0)"],
    "userns": ["user namespace", "PID namespace (the tree dies with its init; os.kill(-1) stays inside)",
               "mount namespace (private /tmp tmpfs with a size cap, course files hidden)",
               "network namespace (no network)", "no capabilities", "no_new_privs",
               "rlimits (CPU, DATA, FSIZE, NOFILE, CORE=0)"],
}
