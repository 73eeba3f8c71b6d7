"""Container mode: the grader's own files must be unreadable to the submissions' uids, by ownership and mode.

In root and userns mode a submission sees only the allowlisted view, so nothing of
the grader's is there to protect. In container mode there is no mount namespace: a
submission runs under a uid of its own, and it can read whatever any uid may read.
So before grading, the grader makes what it creates private (umask 077) and refuses
to start when a file it already holds is readable by any uid: course.yaml, the
secret file, the gradebook, the output folders, the submissions (each one is sent
to its process as data; none needs to be readable) and the working folder.

The sandbox's uids have no groups, so only the "others" bits count: a path is out of
their reach when a folder above it does not let others search it (no ``o+x``), or
when it lets others neither read it nor, for a folder, enter it.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path


def exposure(path: str | Path) -> str | None:
    """Why any uid could read ``path`` (or list or enter it, for a folder); None if none can
    (or it does not exist)."""
    path = Path(os.path.realpath(path))     # a link out of a private folder: its target counts
    for folder in reversed(path.parents):           # from / down
        try:
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return None                         # others cannot get past this folder
        except OSError:
            return None
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        if mode & (stat.S_IROTH | stat.S_IXOTH):
            return f"a folder that any uid may enter or list (mode {stat.S_IMODE(mode):04o})"
        return None
    if mode & stat.S_IROTH:
        return f"a file that any uid may read (mode {stat.S_IMODE(mode):04o})"
    return None


def refuse_exposed(paths: dict[str, str | Path]) -> str | None:
    """The refusal for the paths (what -> path) that any uid could read; None when none can."""
    found = []
    for what, path in paths.items():
        why = exposure(path)
        if why is not None:
            found.append(f"{path} ({what}): {why}")
    if not found:
        return None
    return ("in container mode a submission can read whatever any uid may read, and these can be "
            "read: " + "; ".join(found) + ". Make them private (for example `chmod -R go-rwx` on "
            "each, or on a folder above them), then run the command again")


def make_private_by_default() -> None:
    """Every file and folder the grader creates from now on is its own only."""
    os.umask(0o077)


# The package's catalogue of mistakes and correct variants (working code, the reference among
# it). Root and userns mode cover it with an empty folder; in container mode a submission
# reaches the package's folders through descriptors that skip the folders above them
# (``sandbox/far/container.py``), so only the catalogue's own mode can keep it out.
CATALOGUE = Path(__file__).resolve().parents[1] / "selftest"


def catalogue_exposure() -> str | None:
    """The refusal when a submission's uid could read the catalogue, by its own modes; None if not."""
    readable = []
    for path, dirs, files in os.walk(CATALOGUE):
        for name in [path, *(os.path.join(path, f) for f in files)]:
            mode = os.lstat(name).st_mode
            if mode & (stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)):
                readable.append(name)
    if not readable:
        return None
    return (f"{CATALOGUE} (the package's catalogue of mistakes and correct variants, working code): "
            f"any uid may read {len(readable)} of its files and folders, and in container mode a "
            f"submission reaches the package's folders whatever the folders above them allow. "
            f"Make it private (`chmod -R go-rwx {CATALOGUE}`; `gradescope run` does), then run "
            "the command again")


def hide_catalogue() -> None:
    """The catalogue's files and folders become root's own (``gradescope run``, in its container)."""
    for path, dirs, files in os.walk(CATALOGUE):
        os.chmod(path, stat.S_IMODE(os.stat(path).st_mode) & 0o700)
        for name in files:
            full = os.path.join(path, name)
            if not os.path.islink(full):
                os.chmod(full, stat.S_IMODE(os.stat(full).st_mode) & 0o700)
