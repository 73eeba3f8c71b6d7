"""A roster: a CSV of student ids (a column named student, id or username, else the first)."""
from __future__ import annotations

import csv
from pathlib import Path

from autograder.errors import UsageError


def read(path: str | Path) -> list[str]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the roster: {exc.strerror}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise UsageError(f"{path}: the roster is empty")
    header = [h.strip().lower() for h in rows[0]]
    for name in ("student", "id", "username", "student_id"):
        if name in header:
            col = header.index(name)
            return [r[col].strip() for r in rows[1:] if len(r) > col and r[col].strip()]
    return [r[0].strip() for r in rows if r and r[0].strip()]
