"""Thin ctypes wrappers over the Linux calls of the kernel layers: unshare, setns, mount, prctl, capset."""
from __future__ import annotations

import ctypes
import errno
import os
import signal

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NAME, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 15, 24, 38
LAST_CAP = 63

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]


class IsolationError(OSError):
    """A layer could not be applied."""


def check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise IsolationError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    check(LIBC.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None):
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    check(LIBC.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def prctl(option: int, arg: int) -> int:
    return LIBC.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_bounding_set() -> None:
    """After this, no exec can bring a capability back."""
    for cap in range(LAST_CAP + 1):
        if prctl(PR_CAPBSET_DROP, cap) != 0 and ctypes.get_errno() != errno.EINVAL:
            raise IsolationError(ctypes.get_errno(), f"cannot drop capability {cap}")


def clear_capabilities() -> None:
    drop_bounding_set()
    header = _CapHeader(0x20080522, 0)            # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    check(LIBC.capset(ctypes.byref(header), data), "capset")


def no_new_privs() -> None:
    check(prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")


def name_process(name: str) -> None:
    """Name this process (as ps and top show it): the grader's processes say what they are."""
    buf = ctypes.create_string_buffer(name.encode()[:15])
    LIBC.prctl(PR_SET_NAME, buf, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def die_with_parent() -> None:
    parent = os.getppid()
    check(prctl(PR_SET_PDEATHSIG, signal.SIGKILL), "pdeathsig")
    if os.getppid() != parent:       # the parent died before the line above
        os._exit(0)


_KEYCTL = {"x86_64": 250, "aarch64": 219, "riscv64": 219, "ppc64le": 271, "s390x": 280}
KEYCTL_JOIN_SESSION_KEYRING = 1


def new_session_keyring() -> None:
    """Leave the session keyring this process inherited for a new, empty one of its own.

    Keyrings ignore namespaces: a grader started by systemd or a login holds a session
    keyring, and every submission would inherit it, with the grader's keys in it and
    room to leave keys for the next submission. A kernel without keys has none to leak."""
    import platform
    number = _KEYCTL.get(platform.machine())
    if number is None:
        raise IsolationError(errno.ENOSYS, f"keyctl: unknown system call on {platform.machine()}")
    if LIBC.syscall(number, KEYCTL_JOIN_SESSION_KEYRING, None) < 0 and ctypes.get_errno() != errno.ENOSYS:
        err = ctypes.get_errno()
        raise IsolationError(err, f"a session keyring of its own: {os.strerror(err)}")


def write_file(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)
