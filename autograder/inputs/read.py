"""Read one .py or .ipynb file into a Submission: its code cells and sha256, or why it cannot run.

Never executes anything.
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import stat
import tokenize
from pathlib import Path

import nbformat

from autograder.model import Submission, safe_id

MAX_BYTES = 20 * 1024 * 1024


def _notebook_cells(path: Path, raw: bytes) -> tuple[tuple[str, ...], str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (), f"{path}: not a notebook: byte {exc.start} is not UTF-8 text"
    try:
        json.loads(text)
    except ValueError as exc:
        return (), f"{path}: not a notebook: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", [])) or "top level"
        return (), f"{path}: not a valid notebook (nbformat 4) at {where}: {exc.message}"
    except Exception as exc:  # nbformat raises several kinds for foreign JSON
        return (), f"{path}: not a valid notebook: {exc}"
    cells = tuple(c.source for c in nb.cells if c.cell_type == "code")
    return cells, None


def _read_no_follow(path: Path) -> bytes:
    """The file's bytes, never through a symbolic link (ELOOP if ``path`` is one)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return f.read(MAX_BYTES + 1)   # enough to know that it is too large


def load(path: str | Path, submission_id: str | None = None) -> Submission:
    """A submission read from disk; a file that cannot run gets ``error`` and is still graded (0)."""
    path = Path(path)
    kind = "ipynb" if path.suffix == ".ipynb" else "py"
    sid = safe_id(submission_id or path.stem)
    try:
        raw = _read_no_follow(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Submission(sid, str(path), kind, error=f"{path}: a symbolic link; it was not "
                              "read (a submission must be a file of its own)")
        return Submission(sid, str(path), kind, error=f"{path}: cannot read it: {exc.strerror}")
    sha = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_BYTES:
        return Submission(sid, str(path), kind, sha256=sha,
                          error=f"{path}: the file is larger than the "
                                f"{MAX_BYTES // 2**20} MB a submission may have")
    if not raw.strip():
        return Submission(sid, str(path), kind, sha256=sha, error=f"{path}: the file is empty")
    if kind == "ipynb":
        cells, error = _notebook_cells(path, raw)
        return Submission(sid, str(path), kind, cells, sha, error)
    if b"\0" in raw:
        return Submission(sid, str(path), kind, sha256=sha,
                          error=f"{path}: a binary file, not Python source")
    source, error = _python_source(path, raw)
    if error:
        return Submission(sid, str(path), kind, sha256=sha, error=error)
    return Submission(sid, str(path), kind, (source,), sha)


def _python_source(path: Path, raw: bytes) -> tuple[str, str | None]:
    """The text of a .py file decoded as Python reads it: UTF-8, unless a byte-order mark
    or a PEP 263 line (``# -*- coding: latin-1 -*-``) in the first two lines says otherwise."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        if "unknown encoding" in str(exc):
            return "", f"{path}: its coding declaration names an {exc.msg}"
        encoding = "utf-8"          # no declaration, and the first lines are not UTF-8: say where
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if encoding.startswith("utf-8") else encoding
        line = raw[:exc.start].count(b"\n") + 1
        return "", (f"{path}: line {line}, byte {exc.start} is not {shown} text, the encoding "
                    "Python reads it in")

