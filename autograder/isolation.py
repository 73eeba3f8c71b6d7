"""Kernel layers around a submission: namespaces, a dropped uid, no capabilities.

The submission's process tree looks like this. As root, where the kernel allows
it (``spawn_init``):

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
                  the student's cells and probes (see worker/runner.py).

Otherwise (in a user namespace, or where that fails), every process is forked:

    zygote
      `- keeper   trusted; unshares the namespaces, forks the init, waits for it.
                  The grader holds a pidfd of the keeper: killing it kills the init
                  (PR_SET_PDEATHSIG), and the kernel then kills the whole PID namespace.
          `- init     pid 1 of the new PID namespace; trusted; mounts, then forks
                      the runner and reaps orphans.
              `- runner   as above.

Two modes, chosen at start-up by `detect()`:

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

import ctypes
import errno
import os
import shutil
import signal
import stat
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18

PR_SET_PDEATHSIG, PR_SET_NAME, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 15, 24, 38
LAST_CAP = 63

# Directories that anyone may write to: each gets a private, size-capped tmpfs.
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
SCRATCH = "/tmp"
SANDBOX_UID_BASE = 2_000_000     # root mode: uid = base + a pid outside, unique per submission
USERNS_UID = 1000                # userns mode: the one uid mapped inside (to the grader's own)

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]


class IsolationError(OSError):
    """A layer could not be applied."""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise IsolationError(err, f"{what}: {os.strerror(err)}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None):
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _prctl(option: int, arg: int) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_bounding_set() -> None:
    """After this, no exec can bring a capability back."""
    for cap in range(LAST_CAP + 1):
        if _prctl(PR_CAPBSET_DROP, cap) != 0 and ctypes.get_errno() != errno.EINVAL:
            raise IsolationError(ctypes.get_errno(), f"cannot drop capability {cap}")


def _clear_capabilities() -> None:
    _drop_bounding_set()
    header = _CapHeader(0x20080522, 0)            # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def _no_new_privs() -> None:
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")


def name_process(name: str) -> None:
    """Name this process (as ps and top show it): the grader's processes say what they are."""
    buf = ctypes.create_string_buffer(name.encode()[:15])
    _libc.prctl(PR_SET_NAME, buf, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def _die_with_parent() -> None:
    parent = os.getppid()
    _check(_prctl(PR_SET_PDEATHSIG, signal.SIGKILL), "pdeathsig")
    if os.getppid() != parent:       # the parent died before the line above
        os._exit(0)


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _mounts(scratch_mb: int, hide: list[str], owner: int) -> None:
    """In the init of the new namespaces: private mounts, /proc, scratch, hidden paths."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    needed = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in _interpreter_paths()}
    for target in WORLD_WRITABLE:
        if os.path.isdir(target) and not os.path.islink(target):
            size = scratch_mb if target == SCRATCH else 1
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
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
            _mount("tmpfs", str(p), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "size=4k,mode=000")
        else:
            _mount(blank, str(p), None, MS_BIND)
            _mount(None, str(p), None, MS_BIND | MS_REMOUNT | MS_RDONLY)
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
        _mount("tmpfs", ancestor, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
    for path in sorted(needed, key=len):
        fd = needed[path]
        reachable = os.path.isdir(path) and os.path.samestat(os.stat(path), os.fstat(fd))
        if not reachable:
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY)
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
        _unshare(NAMESPACES & ~CLONE_NEWPID)
        _die_with_parent()
        _mounts(scratch_mb, hide, uid)
        name_process("ag-runner")
        return _drop_privileges(mode, uid)
    if mode == "userns":
        _unshare(CLONE_NEWUSER | NAMESPACES)
        _write("/proc/self/setgroups", "deny")
        # inside, the only uid is an ordinary one: there is no root to become
        _write("/proc/self/uid_map", f"{USERNS_UID} {outer_uid} 1")
        _write("/proc/self/gid_map", f"{USERNS_UID} {outer_gid} 1")
        uid = USERNS_UID
    else:
        _unshare(NAMESPACES)
        uid = SANDBOX_UID_BASE + os.getpid()
    name_process("ag-keeper")
    init = os.fork()
    if init:                        # the keeper
        for fd in close_fds:
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            os.waitpid(init, 0)
        finally:
            os._exit(0)
    _die_with_parent()
    _mounts(scratch_mb, hide, uid)
    name_process("ag-init")
    runner = os.fork()
    if runner:                      # the init
        for fd in close_fds:
            os.close(fd)
        _init_loop()
    name_process("ag-runner")
    _die_with_parent()
    return _drop_privileges(mode, uid)


def _drop_privileges(mode: str, uid: int) -> str:
    """The runner's last step as root: an ordinary uid, or no capabilities; no_new_privs."""
    if mode == "root":
        os.setgroups([])
        _drop_bounding_set()
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)     # leaving uid 0 clears every remaining capability
    else:
        _clear_capabilities()
    _no_new_privs()
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


def fresh_pid_namespace(own: int) -> bool:
    """In the zygote, as root: make its next child the first process of a new PID namespace.

    ``own`` is a descriptor of the zygote's own PID namespace. Joining it again
    first resets the namespace of the zygote's next children, which a second
    unshare would refuse while the previous submission's namespace is still set.
    False when the kernel refuses.
    """
    return _libc.setns(own, CLONE_NEWPID) == 0 and _libc.unshare(CLONE_NEWPID) == 0


def rejoin_pid_namespace(own: int) -> None:
    """The zygote's next children are born in its own PID namespace again."""
    _libc.setns(own, CLONE_NEWPID)


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
        raise IsolationError(errno.EPERM, "still root")
    if nspid is not None:
        seen = namespace_pid()
        if seen != nspid:
            raise IsolationError(errno.EPERM, f"pid {seen} in its namespace, not {nspid}")


def probe_mode(mode: str) -> str | None:
    """Try a mode in a throw-away child; None when it works, else why not."""
    return _works_in_child(lambda: (isolate(mode, 1, []), _runner_is_unprivileged(mode)))


def probe_spawned_init(own: int, program: str) -> str | None:
    """Try ``spawn_init`` and a runner beside it, once, in the zygote (as root);
    None when it works, else why not. Either way the zygote's next children are
    born in its own PID namespace again."""
    life = None
    try:
        if not fresh_pid_namespace(own):
            return f"a new PID namespace: {os.strerror(ctypes.get_errno())}"
        init, life = spawn_init(program)
        why = _works_in_child(lambda: (isolate("root", 1, [], in_namespace=True),
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
