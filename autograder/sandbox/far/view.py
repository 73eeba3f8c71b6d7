"""The submission's filesystem: an allowlist, built fresh for each submission, and nothing else.

In the submission's new mount namespace (kernel.py), a new root is made on an
empty tmpfs, and only these are bound into it, read-only, at their own paths:

* the directories of the standard library and of the site-packages (``sysconfig``, and
  any other ``site-packages`` on ``sys.path``; never its other entries, such as the
  working directory or a checkout that an editable install puts there);
* the directories of the shared libraries that the warm worker has loaded, so that
  an extension module imported later finds its libraries, and ``/etc/ld.so.cache``;
* the sandbox's stand-ins for IPython and d2l (``cells.SHIMS``).

Inside the allowlist, ``HIDDEN`` folders get an empty read-only tmpfs over them: the
package's own catalogue of mistakes and correct variants (``autograder/selftest``),
which an installed grader has in its site-packages, is working code that no
submission may import or read.

Beside them: ``/dev`` with ``null``, ``zero``, ``full``, ``random`` and ``urandom``,
a ``/proc`` of the submission's own PID namespace (other users' processes hidden),
the top-level symlinks that lead into the allowlist (``/lib -> usr/lib``), and the
scratch: a size-capped tmpfs at ``/tmp``, and a small one at ``/dev/shm`` for
POSIX semaphores, the only places a submission can write. Then ``pivot_root`` makes it the
root and the old one is detached: the grader's filesystem is not hidden but absent.
No working directory, no HOME, no course folder, no other submission, no gradebook.

Why per submission and not once: the warm worker is forked, never exec'd, so a tool
like bubblewrap could build the view only once, around the worker, and the view
must be the same as root and in a user namespace, where the worker itself holds
no namespace of its own. Building it is a few dozen mount calls (bench/sandbox_cost.py
times it), and the list of paths and the links to them are computed once in the worker (``prepare``).
"""
from __future__ import annotations

import os
import platform
import stat
import sys
import sysconfig

from autograder.sandbox.far import libc

DEVICES = ("null", "zero", "full", "random", "urandom")
SCRATCH = "/tmp"
SHM_MB = 8
ROOT_MB = 1                             # the new root holds only directories and mount points
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "ppc64le": 203, "s390x": 217, "riscv64": 41}
MNT_DETACH = 2
ST_FLAGS = ((os.ST_NOSUID, libc.MS_NOSUID), (os.ST_NODEV, libc.MS_NODEV), (os.ST_NOEXEC, libc.MS_NOEXEC),
            (os.ST_NOATIME, libc.MS_NOATIME), (os.ST_NODIRATIME, libc.MS_NODIRATIME),
            (os.ST_RELATIME, libc.MS_RELATIME))

# Folders of the package that the far side must not read, found by path: importing them here
# would load them into the far side. autograder/sandbox/far/view.py -> autograder/
_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HIDDEN = (os.path.join(_PACKAGE, "selftest"),)

_prepared: tuple[list[str], dict[str, str], list[str]] | None = None   # (allowlist, links, hidden), once


def _within(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or lies below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _shared_library_dirs() -> set[str]:
    """The directories of the shared objects mapped into this process."""
    dirs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].startswith("/"):
                    path = fields[5].rstrip("\n")
                    name = os.path.basename(path)
                    if name.endswith(".so") or ".so." in name:
                        dirs.add(os.path.dirname(path))
    except OSError:
        pass
    return dirs


def allowlist() -> list[str]:
    """Every path the submission may read, resolved, with none inside another."""
    from autograder.sandbox.far import cells

    wanted = set()
    for scheme_vars in ({}, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
        paths = sysconfig.get_paths(vars=scheme_vars) if scheme_vars else sysconfig.get_paths()
        wanted.update(paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))
    # site directories that a .pth or site.addsitedir put on the path (a venv on top of another)
    wanted.update(p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages"))
    wanted |= _shared_library_dirs()
    wanted.add(str(cells.SHIMS))
    wanted.add("/etc/ld.so.cache")
    found = sorted({os.path.realpath(p) for p in wanted if os.path.exists(p)})
    kept: list[str] = []
    for path in found:                   # sorted: an ancestor comes before what it holds
        if not any(_within(path, k) for k in kept):
            kept.append(path)
    return kept


def hidden(allowed: list[str]) -> list[str]:
    """The ``HIDDEN`` folders that lie inside the allowlist (an installed package: in
    site-packages), resolved; an editable install's are outside it already."""
    found = []
    for path in HIDDEN:
        real = os.path.realpath(path)
        if os.path.isdir(real) and any(_within(real, a) for a in allowed):
            found.append(real)
    return found


def allowed() -> list[str]:
    """The allowlist: the one ``prepare`` computed in the warm worker, else computed now."""
    return _prepared[0] if _prepared is not None else allowlist()


def prepare() -> list[str]:
    """In the warm worker, once: the allowlist that every submission's view is built from."""
    global _prepared
    allowed = allowlist()
    _prepared = (allowed, _top_level_links(allowed), hidden(allowed))
    return allowed


def _flags_of(path: str) -> int:
    """The mount flags of ``path`` that a read-only remount must keep: in a user
    namespace the kernel refuses to clear a flag that the grader's mount has."""
    have = os.statvfs(path).f_flag
    flags = 0
    for st, ms in ST_FLAGS:
        if have & st:
            flags |= ms
    if not have & (os.ST_NOATIME | os.ST_RELATIME):
        flags |= libc.MS_STRICTATIME
    return flags


def _bind(source_fd: int, target: str, read_only: bool) -> None:
    libc.mount(f"/proc/self/fd/{source_fd}", target, None, libc.MS_BIND)
    if read_only:
        libc.mount(None, target, None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY | _flags_of(target))


def _make_target(new_root: str, path: str, is_dir: bool) -> str:
    target = new_root + path
    os.makedirs(target if is_dir else os.path.dirname(target), mode=0o755, exist_ok=True)
    if not is_dir:
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o444))
    return target


def _top_level_links(allowed: list[str]) -> dict[str, str]:
    """Symlinks in / that lead to an allowed path or above one (``/lib -> usr/lib``)."""
    links = {}
    try:
        names = os.listdir("/")
    except OSError:
        return links
    for name in names:
        path = "/" + name
        if not os.path.islink(path):
            continue
        real = os.path.realpath(path)
        if any(_within(a, real) for a in allowed):
            links[name] = os.readlink(path)
    return links


def _mount_proc(target: str) -> None:
    """The PID namespace's /proc, where other users' processes are invisible: as root, the
    namespace's init (a spawned `cat`, root's, in the grader's mount namespace) would
    otherwise show the grader's mount table in /proc/1/mountinfo. hidepid needs Linux 5.8."""
    flags = libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC
    try:
        libc.mount("proc", target, "proc", flags, "hidepid=invisible")
    except libc.IsolationError:
        libc.mount("proc", target, "proc", flags)


def pivot_root(new_root: str, put_old: str) -> None:
    number = _PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise libc.IsolationError(0, f"pivot_root: unknown system call on {platform.machine()}")
    libc.check(libc.LIBC.syscall(number, new_root.encode(), put_old.encode()), "pivot_root")


def build(scratch_mb: int, owner: int) -> str:
    """In a new mount namespace, before any student code: make the allowlisted view
    the root. Returns the home directory in the scratch, owned by ``owner``."""
    if _prepared is None:
        allowed = allowlist()
        links, covered = _top_level_links(allowed), hidden(allowed)
    else:
        allowed, links, covered = _prepared
    libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)
    # descriptors first: the new root's tmpfs may cover where they live (a checkout under /tmp)
    sources: dict[str, int] = {}
    devices: dict[str, int] = {}
    try:
        for path in allowed:
            try:
                sources[path] = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                continue                # gone since the worker started: not in this view
        for name in DEVICES:
            if os.path.exists(f"/dev/{name}"):
                devices[name] = os.open(f"/dev/{name}", os.O_PATH | os.O_CLOEXEC)
        new_root = SCRATCH           # any directory will do as the mount point of the new root
        libc.mount("tmpfs", new_root, "tmpfs", libc.MS_NOSUID | libc.MS_NODEV,
                   f"size={ROOT_MB}m,mode=755,nr_inodes=4096")
        # the scratch first: an allowed path under /tmp (a virtualenv there) is bound on top of it
        scratch = _make_target(new_root, SCRATCH, True)
        libc.mount("tmpfs", scratch, "tmpfs", libc.MS_NOSUID | libc.MS_NODEV,
                   f"size={scratch_mb}m,mode=1777,nr_inodes=4096")
        for path, fd in sources.items():
            is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
            _bind(fd, _make_target(new_root, path, is_dir), read_only=True)
        for path in covered:           # an empty folder over what the view must not show
            libc.mount("tmpfs", new_root + path, "tmpfs", libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC
                       | libc.MS_RDONLY, "size=4k,mode=555,nr_inodes=2")
        dev = _make_target(new_root, "/dev", True)
        libc.mount("tmpfs", dev, "tmpfs", libc.MS_NOSUID | libc.MS_NOEXEC, "size=16k,mode=755,nr_inodes=64")
        for name, fd in devices.items():
            _bind(fd, _make_target(new_root, f"/dev/{name}", False), read_only=False)
        shm = _make_target(new_root, "/dev/shm", True)       # POSIX semaphores (multiprocessing)
        libc.mount("tmpfs", shm, "tmpfs", libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC,
                   f"size={SHM_MB}m,mode=1777,nr_inodes=1024")
        for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            os.symlink(target, f"{dev}/{name}")
        libc.mount(None, dev, None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY | libc.MS_NOSUID
                   | libc.MS_NOEXEC)
        for name, target in links.items():
            if not os.path.lexists(new_root + "/" + name):
                os.symlink(target, new_root + "/" + name)
        proc = _make_target(new_root, "/proc", True)
        _mount_proc(proc)
    finally:
        for fd in [*sources.values(), *devices.values()]:
            os.close(fd)
    os.chdir(new_root)
    pivot_root(".", ".")                 # the old root is now stacked on the new one ...
    libc.check(libc.LIBC.umount2(b".", MNT_DETACH), "umount the old root")   # ... and gone
    os.chdir("/")
    libc.mount(None, "/", None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY | libc.MS_NOSUID
               | libc.MS_NODEV)
    home = os.path.join(SCRATCH, "home")
    os.mkdir(home, 0o700)
    os.chown(home, owner, owner)
    return home
