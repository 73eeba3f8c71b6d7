"""Find the submissions to grade: files, globs, directories and nbgrader trees; ids and shards.

In an nbgrader tree (``submitted/<student>/<assignment>/``) only the folders of course.yaml's
assignment are graded; each other assignment folder is skipped with one note. The
``timestamp.txt`` beside a submission (nbgrader writes it when the student submits) is read
as nbgrader reads it: ISO 8601, an optional timezone name or offset after a space, UTC
when it has none.
"""
from __future__ import annotations

import dataclasses
import glob
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from autograder.errors import UsageError
from autograder.inputs.read import load
from autograder.model import Submission, safe_id


def _nbgrader_place(path: Path) -> tuple[str, str, Path] | None:
    """(student, assignment, the assignment's folder) of a file in a ``submitted/<student>/<assignment>/`` tree."""
    parts = path.parts
    if "submitted" in parts:
        i = len(parts) - 1 - parts[::-1].index("submitted")
        if len(parts) > i + 3:
            return parts[i + 1], parts[i + 2], Path(*parts[:i + 3])
    return None


MAX_TIMESTAMP = 200      # bytes: nbgrader writes about 30


def parse_timestamp(text: str) -> datetime:
    """nbgrader's timestamp.txt: ``2026-12-01 23:59:00.123456 UTC``, an offset such as ``+0100``
    instead of the name, or plain ISO 8601; without a timezone it is UTC. Raises ValueError."""
    text = text.strip()
    parts = text.split(" ")
    zone = None
    if len(parts) == 3:
        text, name = " ".join(parts[:2]), parts[2]
        if re.fullmatch(r"[+-]\d{4}", name):
            sign = -1 if name[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(name[1:3]), minutes=int(name[3:5])))
        elif name.upper() in ("UTC", "GMT", "Z"):
            zone = timezone.utc
        else:
            from zoneinfo import ZoneInfo
            try:
                zone = ZoneInfo(name)
            except Exception:  # noqa: BLE001 - ZoneInfo raises several kinds for a bad name
                raise ValueError(f"unknown timezone {name[:40]!r}") from None
    if text.endswith(("Z", "z")):
        text, zone = text[:-1], timezone.utc
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or timezone.utc)
    return moment.astimezone(timezone.utc)


def read_timestamp(folder: Path) -> tuple[str | None, str | None]:
    """(the submission time as ISO 8601 UTC, or None; a note when timestamp.txt cannot be read)."""
    path = folder / "timestamp.txt"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{path}: cannot read it ({exc.strerror or exc}); the submission time is unknown"
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_TIMESTAMP + 1)
    try:
        if len(raw) > MAX_TIMESTAMP:
            raise ValueError(f"longer than {MAX_TIMESTAMP} bytes")
        return parse_timestamp(raw.decode("utf-8")).isoformat(), None
    except (ValueError, UnicodeDecodeError, OverflowError) as exc:
        return None, (f"{path}: not a timestamp ({str(exc)[:80]}); expected nbgrader's "
                      "'2026-12-01 23:59:00.000000 UTC' or ISO 8601; the submission time is unknown")


@dataclass(frozen=True)
class Source:
    """A submission found on disk, not read yet (so a class of any size costs no memory)."""
    id: str
    path: str
    refused: str | None = None    # why it is not read (a symbolic link)
    submitted_at: str | None = None   # nbgrader's timestamp.txt, ISO 8601 UTC
    note: str | None = None       # about the submission, not its code (a timestamp.txt that is wrong)

    def load(self) -> Submission:
        if self.refused:
            kind = "ipynb" if self.path.endswith(".ipynb") else "py"
            submission = Submission(self.id, self.path, kind, error=self.refused)
        else:
            submission = load(self.path, self.id)
        return dataclasses.replace(submission, submitted_at=self.submitted_at,
                                   notes=submission.notes + ((self.note,) if self.note else ()))


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


def discover(inputs: list[str], id_pattern: str | None = None, several: str = "error",
             assignment: str | None = None, skipped: list[str] | None = None) -> list[Source]:
    """Expand files, globs, directories and nbgrader trees into submissions to read.

    The id is the student's folder in an nbgrader tree, else the group ``student``
    of ``id_pattern`` matched against the file name, else the file's stem. Two files
    with one id stop everything (naming both), unless ``several="latest"``, which
    keeps the newest file. In an nbgrader tree, with ``assignment`` given, another
    assignment's folder is not graded: one note for each goes to ``skipped``.
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
            full = Path(os.path.abspath(f))
            place = _nbgrader_place(full)   # the tree as given: links are not followed
            if place is not None:           # the assignment's folder, as the command line named it
                place = (*place[:2], f.parents[len(full.parts) - len(place[2].parts) - 1])
            if place is not None and assignment is not None and place[1] != assignment:
                note = (f"{place[2]}: assignment {place[1]!r} is not course.yaml's assignment "
                        f"{assignment!r}; skipped")
                if skipped is not None and note not in skipped:
                    skipped.append(note)
                continue
            sid = place[0] if place else None
            if sid is None and pattern is not None:
                match = pattern.search(f.name)
                if not match:
                    raise UsageError(f"{f}: the file name does not match --id-pattern {id_pattern!r}")
                sid = match.group("student")
            link = _link_in(f, p) if p.is_dir() else (f if f.is_symlink() else None)
            found.append((safe_id(sid or f.stem), f, link, place[2] if place else None))
    by_id: dict[str, Path] = {}
    links: dict[str, Path] = {}
    folders: dict[str, Path] = {}
    for sid, f, link, folder in found:
        if folder is not None:
            folders[str(f)] = folder
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
    sources = []
    for sid, f in by_id.items():
        stamp, note = read_timestamp(folders[str(f)]) if str(f) in folders else (None, None)
        sources.append(Source(sid, str(f), _refusal(f, links.get(str(f))), stamp, note))
    return sources


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
