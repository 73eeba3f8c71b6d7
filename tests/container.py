"""Run a command as a Docker container would run it by default: root, but with Docker's default
capability set (no CAP_SYS_ADMIN, no CAP_SYS_RESOURCE, ...), and a seccomp filter that refuses to
create or join namespaces (clone/unshare with CLONE_NEW*, setns; clone3 answers ENOSYS), as Docker's
default profile does for a process without CAP_SYS_ADMIN. x86_64 only.

    python3 container.py COMMAND [ARG...]

It needs `setpriv` (util-linux; `make test` installs it when it is missing). The tests run
the grader under it, as Gradescope would run it.
"""
import ctypes, os, platform, struct, sys

DOCKER_CAPS = "chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write"
CLONE_NEW = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080
NR = {"clone": 56, "unshare": 272, "setns": 308, "clone3": 435}
AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
EPERM, ENOSYS = 1, 38
# classic BPF: (code, jt, jf, k)
LD_W_ABS, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06


def program():
    p = [
        (LD_W_ABS, 0, 0, 4),                       # 0 arch
        (JEQ, 1, 0, AUDIT_ARCH_X86_64),            # 1
        (RET, 0, 0, RET_ALLOW),                    # 2 another arch: allow
        (LD_W_ABS, 0, 0, 0),                       # 3 nr
        (JEQ, 0, 1, NR["clone3"]),                 # 4
        (RET, 0, 0, RET_ERRNO | ENOSYS),           # 5
        (JEQ, 0, 1, NR["setns"]),                  # 6
        (RET, 0, 0, RET_ERRNO | EPERM),            # 7
        (JEQ, 2, 0, NR["clone"]),                  # 8 -> 11
        (JEQ, 1, 0, NR["unshare"]),                # 9 -> 11
        (RET, 0, 0, RET_ALLOW),                    # 10
        (LD_W_ABS, 0, 0, 16),                      # 11 args[0], low 32 bits
        (JSET, 0, 1, CLONE_NEW),                   # 12
        (RET, 0, 0, RET_ERRNO | EPERM),            # 13
        (RET, 0, 0, RET_ALLOW),                    # 14
    ]
    return b"".join(struct.pack("HBBI", *ins) for ins in p), len(p)


def main():
    if platform.machine() != "x86_64":
        sys.exit("container.py: x86_64 only")
    code, n = program()
    buf = ctypes.create_string_buffer(code)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(n, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        sys.exit(f"container.py: seccomp: {os.strerror(ctypes.get_errno())}")
    args = ["setpriv", "--bounding-set", "-all," + ",".join("+" + c for c in DOCKER_CAPS.split(",")),
            "--inh-caps", "-all", "--", *sys.argv[1:]]
    os.execvp("setpriv", args)


if __name__ == "__main__":
    main()
