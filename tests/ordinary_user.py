"""Run a command as an ordinary user: how a grader that is not root runs (the userns mode).

CI runs as root, so the test makes an ordinary user of its own: a uid with no
account, no groups and no capabilities. Where the interpreter or the checkout sit
under a directory that other users cannot enter (a Python under /root, say), the
command gets a mount namespace of its own in which those directories, and only
they, are bound back at their paths; nothing on the machine changes.
Run as an ordinary user already, the command simply runs.
"""
from __future__ import annotations

import ctypes
import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 32, 4096, 16384, 1 << 18
LIBC = ctypes.CDLL(None, use_errno=True)


def unused_uid(start: int = 4242) -> int:
    uid = start
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    if LIBC.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _blocked_ancestor(path: str) -> str | None:
    parts = Path(path).parts
    for i in range(1, len(parts)):
        ancestor = str(Path(*parts[:i + 1]))
        if not os.stat(ancestor).st_mode & stat.S_IXOTH:
            return ancestor
    return None


def _reachable(paths: list[str]) -> None:
    """In a new mount namespace: bind ``paths`` back under each ancestor others cannot enter."""
    if LIBC.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    needed = {p: os.open(p, os.O_PATH) for p in paths}    # in the new namespace: a bind's source
    blocked = sorted({a for a in map(_blocked_ancestor, needed) if a is not None})
    for ancestor in blocked:
        _mount("tmpfs", ancestor, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
    for path in sorted(needed, key=len):
        fd = needed[path]
        if not (os.path.exists(path) and os.path.samestat(os.stat(path), os.fstat(fd))):
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)


def run(argv: list[str], uid: int, reach: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``argv`` as the ordinary ``uid``, with the directories ``reach`` (the interpreter,
    the checkout) reachable. ``kwargs`` go to subprocess.run."""
    if os.geteuid() != 0:
        return subprocess.run(argv, **kwargs)
    paths = sorted({os.path.realpath(p) for p in reach})

    def become_user():
        _reachable(paths)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    return subprocess.run(argv, preexec_fn=become_user, **kwargs)


def interpreter_paths() -> list[str]:
    """What the command needs to run this interpreter and its packages."""
    return [sys.base_prefix, sys.prefix, *[p for p in sys.path if p and os.path.isdir(p)]]
