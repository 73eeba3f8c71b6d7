"""Container mode: a dropped uid, a subreaper keeper and a scratch by ownership, with no namespace at all.

For a grader that is root in a container that may not create namespaces (Docker's
default seccomp profile, no CAP_SYS_ADMIN: Gradescope). Chosen only explicitly
(``--sandbox container``). The submission's tree:

    zygote (root)
      `- keeper   root, trusted, never runs student code. PR_SET_CHILD_SUBREAPER: every
          |       orphan of the tree (a double fork, a setsid daemon) comes back to it.
          |       It waits until the grader closes its end of a pipe (or dies), then
          |       kills every process of the submission's uid, reaps them, and removes
          |       the scratch and what the uid left in the world-writable folders.
          `- runner   its own process group; uid SANDBOX_UID_BASE + the keeper's pid,
                      unique while the keeper lives, no groups, no capabilities,
                      no_new_privs; then the runner of runner.py.

Killing by uid and not by process group: a submission cannot leave its uid (no
capabilities, no setuid programs under no_new_privs), but it can leave its group
(setsid). ``kill(-1, SIGKILL)`` sent with that uid reaches every process of the uid
and nothing else, and the kernel holds off new forks while it runs.

The scratch is a folder owned by the uid, mode 0700, in the system's temporary
folder: nobody else can list or read it. There is no tmpfs to cap it, so each file
is capped by RLIMIT_FSIZE and the folder's total is checked while each unit runs
and after it (``clock.Scratch``), and by the keeper, which ends the submission at
twice the cap, seen at two readings in a row. What is readable to any uid stays readable (the
grader's own files are made private by the grader, which refuses to start in this
mode when they are not); the network is not taken away.
"""
from __future__ import annotations

import errno
import os
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import time

from autograder.sandbox.far import clock, libc
from autograder.sandbox.far import kernel
from autograder.sandbox.far.kernel import SANDBOX_UID_BASE     # as in root mode: base + a pid

PR_SET_CHILD_SUBREAPER = 36
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")   # writable by any uid: cleaned after each submission
SWEEP_SECONDS = 5.0              # at most this long to kill a tree (it takes milliseconds)


def isolate(close_fds: tuple[int, ...] = (), life: int | None = None, scratch_mb: int | None = None) -> str:
    """In the submission's first process (root): become its keeper, fork the runner,
    drop the runner's privileges. Returns only in the runner, with its home (the
    scratch). ``life``: the read end of the pipe whose write end the grader holds;
    without it (the start-up test) the keeper stops once its runner has exited.
    ``scratch_mb``: the keeper ends the submission when its scratch holds twice that (a
    backstop: the submission's own process checks the cap after every statement and
    probe, but code there can rewrite that check)."""
    keeper = os.getpid()
    uid = SANDBOX_UID_BASE + keeper
    libc.check(libc.prctl(PR_SET_CHILD_SUBREAPER, 1), "a subreaper")
    home = tempfile.mkdtemp(prefix=f"autograder-{uid}-")
    os.chown(home, uid, uid)          # mode 0700 from mkdtemp: the uid's own, nobody else's
    libc.name_process("ag-keeper")
    runner = os.fork()
    if runner:
        for fd in close_fds:
            os.close(fd)
        _keep(life, runner, uid, home, 2 * scratch_mb * 2**20 if scratch_mb else None)
    if life is not None:
        os.close(life)
    os.setpgid(0, 0)
    libc.die_with_parent()
    libc.name_process("ag-runner")
    reach_imports()
    drop_privileges(uid)
    os.chdir(home)
    return home


def _private_step(path: str) -> str | None:
    """The folder on the way to ``path`` that other uids cannot reach, because its parent
    denies them search permission (a folder in root's home, when that home is 0700); None if none."""
    parts = os.path.abspath(path).split("/")[1:]
    here = "/"
    for part in parts:
        try:
            if not os.stat(here).st_mode & stat.S_IXOTH:
                return os.path.join(here, part)
        except OSError:
            return None
        here = os.path.join(here, part)
    return None


def reach_imports() -> None:
    """Where the interpreter's libraries lie below a folder that other uids may not
    search (Python installed under root's 0700 home), keep importing from them after the
    uid is dropped. Each folder of the sandbox's allowlist (view.py: the standard
    library, the site-packages, the stand-ins; never the working folder or another
    entry of ``sys.path``) that is out of reach is opened now, as root, and the import
    paths into it (``sys.path``, the packages' ``__path__``) go through
    ``/proc/self/fd/N``, which the kernel resolves without searching the folders above
    it. Only those folders open up, and their files keep their modes."""
    import sys

    from autograder.sandbox.far import view

    roots = {}
    for folder in view.allowed():
        if os.path.isdir(folder) and _private_step(folder) is not None:
            roots[folder] = f"/proc/self/fd/{os.open(folder, os.O_PATH | os.O_DIRECTORY)}"
    if not roots:
        return

    def through(real: str) -> str | None:
        for folder, fd_path in roots.items():
            if real == folder or real.startswith(folder + "/"):
                return fd_path + real[len(folder):]
        return None

    # the prefixes to move: the folders, and the entries of sys.path (as written) that lead into
    # them; a package's __path__ starts with one of those (resolved once, not per module)
    prefixes = dict(roots)
    for entry in sys.path:
        if entry and entry not in prefixes and through(os.path.realpath(entry)) is not None:
            prefixes[entry] = through(os.path.realpath(entry))

    def moved(path: str) -> str:
        for prefix, fd_path in prefixes.items():
            if path == prefix or path.startswith(prefix + "/"):
                return fd_path + path[len(prefix):]
        return path

    sys.path[:] = [moved(p) if p else p for p in sys.path]
    for module in list(sys.modules.values()):
        search = getattr(module, "__path__", None)
        if isinstance(search, list):
            search[:] = [moved(p) if isinstance(p, str) else p for p in search]
    sys.path_importer_cache.clear()


def drop_privileges(uid: int) -> None:
    """An ordinary uid with no groups, no capabilities (none left to gain), no_new_privs: as
    root mode drops them (``kernel``), where keyctl may be refused."""
    kernel._drop_privileges("container", uid, "")


def _keep(life: int | None, runner: int, uid: int, home: str, most: int | None) -> None:
    """The keeper's life (never returns): reap orphans until the grader lets go (or,
    without ``life``, until the runner has exited) or the scratch holds more than
    ``most`` bytes, then sweep and clean."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runner_done = False
    scratch = clock.Scratch(home, most or 0)
    over_before = False
    try:
        while True:
            if life is not None:
                ready, _, _ = select.select([life], [], [], clock.POLL)
                if ready:
                    break             # the grader closed its end (or died)
                # over twice in a row: the runner's own check (every POLL) has had its turn to
                # stop the unit and clear the scratch, and did not, so its code was bypassed
                over = most is not None and scratch.usage() > most
                if over and over_before:
                    break             # the grader sees the submission's process end
                over_before = over
            while True:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG if life is not None else 0)
                except ChildProcessError:
                    pid = -1
                if pid == runner:
                    runner_done = True
                if pid <= 0:
                    break
            if life is None and runner_done:
                break
    finally:
        try:
            sweep(uid)
        finally:
            try:
                clean(uid, home)
            except BaseException:  # noqa: BLE001 - whatever the submission left, the keeper ends
                pass
            finally:
                os._exit(0)


def sweep(uid: int) -> None:
    """Kill every process of ``uid`` and reap what comes back to this subreaper."""
    killer = os.fork()
    if killer == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            # kill(-1) as the uid reaches every process of the uid but this one; a fork
            # under way when it runs fails, as its parent has a SIGKILL pending. Twice,
            # for good measure: its result cannot tell (it is 0 while any process exists)
            libc.LIBC.kill(-1, signal.SIGKILL)
            libc.LIBC.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    end = time.monotonic() + SWEEP_SECONDS
    while time.monotonic() < end:       # the killer, and every orphan that the kill leaves here
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def _remove_tree(path: str) -> None:
    """Remove a folder however deep the submission made it. shutil.rmtree recurses, and a few
    thousand nested folders (a few MB) exhaust Python's recursion limit; such a tree is also
    deeper than a path may be long. coreutils' rm walks it by descriptors, at any depth. The
    uid's processes are gone, so nothing moves meanwhile; links are removed, not followed."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except (RecursionError, OSError):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", path], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def clean(uid: int, home: str) -> None:
    """Remove the scratch and everything ``uid`` owns at the top of the shared folders."""
    _remove_tree(home)
    for folder in SHARED_FOLDERS:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
                if info.st_uid != uid:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    _remove_tree(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def is_unprivileged() -> None:
    """The start-up test's check, in the runner: an ordinary uid, no groups, its scratch writable."""
    if os.getuid() == 0 or os.geteuid() == 0 or os.getgroups():
        raise libc.IsolationError(errno.EPERM, "still root, or in a group")
    with open("probe", "w") as f:        # in its scratch, the working directory
        f.write("x")
