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
    path = Path(os.path.abspath(path))
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
