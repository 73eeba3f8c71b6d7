"""Find the submissions to grade: files, globs, directories and nbgrader trees; ids and shards."""
from __future__ import annotations

import glob
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UsageError
from autograder.inputs.read import load
from autograder.model import Submission, safe_id


def _nbgrader_student(path: Path) -> str | None:
    """The student id of a file in a ``submitted/<student>/<assignment>/`` tree."""
    parts = path.parts
    if "submitted" in parts:
        i = len(parts) - 1 - parts[::-1].index("submitted")
        if len(parts) > i + 3:
            return parts[i + 1]
    return None


@dataclass(frozen=True)
class Source:
    """A submission found on disk, not read yet (so a class of any size costs no memory)."""
    id: str
    path: str
    refused: str | None = None    # why it is not read (a symbolic link)

    def load(self) -> Submission:
        if self.refused:
            kind = "ipynb" if self.path.endswith(".ipynb") else "py"
            return Submission(self.id, self.path, kind, error=self.refused)
        return load(self.path, self.id)


def _link_in(path: Path, root: Path) -> Path | None:
    """The first symbolic link on the way from ``root`` (included) down to ``path``."""
    here = root
    if here.is_symlink():
        return here
    for part in path.relative_to(root).parts:
        here = here / part
        if here.is_symlink():
            return here
    return None


def discover(inputs: list[str], id_pattern: str | None = None, several: str = "error") -> list[Source]:
    """Expand files, globs, directories and nbgrader trees into submissions to read.

    The id is the student's folder in an nbgrader tree, else the group ``student``
    of ``id_pattern`` matched against the file name, else the file's stem. Two files
    with one id stop everything (naming both), unless ``several="latest"``, which
    keeps the newest file.
    """
    pattern = None
    if id_pattern:
        try:
            pattern = re.compile(id_pattern)
        except re.error as exc:
            raise UsageError(f"--id-pattern: not a valid regular expression: {exc}") from None
        if "student" not in pattern.groupindex:
            raise UsageError("--id-pattern: expected a named group (?P<student>...)")
    found: list[tuple[str, Path]] = []
    expanded = []
    for item in inputs:
        if not Path(item).exists() and glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise UsageError(f"{item}: the pattern matches no file")
            expanded.extend(matches)
        else:
            expanded.append(item)
    for item in expanded:
        p = Path(item)
        if p.is_dir() and not p.is_symlink():
            # symbolic links are listed too, so that each is refused with a note, never read
            files = sorted(q for q in p.rglob("*") if q.suffix in (".py", ".ipynb")
                           and (q.is_file() or q.is_symlink()) and ".ipynb_checkpoints" not in q.parts)
            if not files:
                raise UsageError(f"{p}: no .py or .ipynb files in this directory")
        elif p.is_dir():
            raise UsageError(f"{p}: a symbolic link to a directory; give the directory itself")
        elif p.is_file() or p.is_symlink():
            if p.suffix not in (".py", ".ipynb"):
                raise UsageError(f"{p}: expected a .py or .ipynb file")
            files = [p]
        else:
            raise UsageError(f"{p}: no such file or directory")
        for f in files:
            sid = _nbgrader_student(Path(os.path.abspath(f)))   # the tree as given: links are not followed
            if sid is None and pattern is not None:
                match = pattern.search(f.name)
                if not match:
                    raise UsageError(f"{f}: the file name does not match --id-pattern {id_pattern!r}")
                sid = match.group("student")
            link = _link_in(f, p) if p.is_dir() else (f if f.is_symlink() else None)
            found.append((safe_id(sid or f.stem), f, link))
    by_id: dict[str, Path] = {}
    links: dict[str, Path] = {}
    for sid, f, link in found:
        if link is not None:
            links[str(f)] = link
        if sid in by_id and os.path.abspath(by_id[sid]) != os.path.abspath(f):
            if several == "latest":
                if f.lstat().st_mtime > by_id[sid].lstat().st_mtime:
                    by_id[sid] = f
                continue
            raise UsageError(f"two submissions have the id {sid!r}: {by_id[sid]} and {f}; "
                             "rename one of them, or pass --several latest")
        by_id[sid] = f
    return [Source(sid, str(f), _refusal(f, links.get(str(f)))) for sid, f in by_id.items()]


def _refusal(path: Path, link: Path | None) -> str | None:
    if link is None:
        return None
    if link == path:
        return f"{path}: a symbolic link; it was not read (a submission must be a file of its own)"
    return (f"{path}: {link} is a symbolic link; the file was not read (a submission must be a "
            "file of its own)")


def in_shard(submission_id: str, shard: tuple[int, int] | None) -> bool:
    """Shard I of N (1-based): a stable slice by a hash of the id, the same on every machine."""
    if shard is None:
        return True
    index, count = shard
    digest = int(hashlib.sha256(submission_id.encode()).hexdigest(), 16)
    return digest % count == index - 1
