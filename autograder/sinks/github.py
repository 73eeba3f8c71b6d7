"""GitHub Actions: an ``::error`` annotation per failed check at the line that defines the function, and a points table in the job summary.

Annotations are workflow commands on standard output:
``::error file=linreg.py,line=31,title=sgd: ...::message``. GitHub shows each beside that
line of the pull request's diff. The line is found by reading the submission, never by
running it: in a .py, the last top-level ``def`` of the function (the one Python keeps);
in a notebook, the line of the .ipynb file, which is JSON, that holds the ``def`` in the
cell's source, since that is the line a pull request shows. A check with no such line (a
missing function, training) is annotated on the file alone.

Data and properties are escaped as GitHub's toolkit escapes them (``%``, CR and LF in
both, and ``:`` and ``,`` in properties), after every other control character of the
student's text is written visibly (``sinks.safe``): nothing in a message can end the
command or start another. A hidden check's message says only that it failed.
With ``$GITHUB_STEP_SUMMARY`` set, a Markdown table of the points is appended to that file.
"""
from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from autograder.model import Report
from autograder.sinks import Summary
from autograder.sinks.machine import Written, shown_message
from autograder.sinks.safe import terminal
from autograder.spec import UNITS

MAX_BYTES = 20 * 1024 * 1024


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties) -> str:
    """One workflow command line, such as ``::error file=a.py,line=3,title=T::message``."""
    shown = ",".join(f"{k}={escape_property(terminal(v))}" for k, v in properties.items() if v is not None)
    return f"::{kind}{' ' + shown if shown else ''}::{escape_data(terminal(message, lines=True))}"


def _read(path: str) -> str | None:
    """The submission's text, read without following a link; None when it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_BYTES + 1)
    return None if len(raw) > MAX_BYTES else raw.decode("utf-8", errors="replace")


def _module_level(body: list) -> list:
    """The statements run at import: the module's, and those in its if/try/with/for/while blocks."""
    found = []
    for node in body:
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                found += _module_level([n for n in getattr(node, field, []) if isinstance(n, ast.AST)])
    return found


def definition_lines(path: str, kind: str) -> dict[str, int]:
    """function name -> the line (1-based) of the file that defines it, for the graded functions."""
    text = _read(path)
    if text is None:
        return {}
    if kind == "ipynb":
        lines: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            for name in re.findall(r'(?:^\s*"|\\n)\s*(?:async\s+)?def\s+(\w+)\s*\(', line):
                lines[name] = number           # the last definition wins, as in the kernel
        return lines
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {m.group(1): text.count("\n", 0, m.start()) + 1
                for m in re.finditer(r"^(?:async\s+)?def\s+(\w+)\s*\(", text, re.M)}
    return {node.name: node.lineno for node in _module_level(tree.body)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _relative(path: str) -> str:
    """The path as the repository names it: relative to $GITHUB_WORKSPACE (else the working folder)."""
    base = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except (ValueError, OSError):
        return path


def annotations(report: Report, public_only: bool = False) -> list[str]:
    """The workflow commands for one submission: an error per failed check, and a notice of its score."""
    from autograder.check import plain_text

    kind = "ipynb" if report.path.endswith(".ipynb") else "py"
    lines = definition_lines(report.path, kind)
    file = _relative(report.path)
    results = [r for r in report.results if r.visibility == "public" or not public_only]
    out = []
    for r in results:
        if r.passed:
            continue
        title = f"{r.name} ({r.score:g}/{r.max_score:g} points)"
        out.append(command("error", plain_text(shown_message(r)).strip(), file=file,
                           line=str(lines[r.function]) if r.function in lines else None, title=title))
    for note in report.notes:
        out.append(command("warning", note, file=file, title="autograder: note"))
    got, total = sum(r.score for r in results), sum(r.max_score for r in results)
    out.append(command("notice", f"{report.submission_id}: {got:g}/{total:g} points", file=file,
                       title="autograder: score"))
    return out


def points_table(reports: list[Report], public_only: bool = False) -> str:
    """Markdown: the points of each submission per function, and for a single submission each check."""
    head = "| submission | " + " | ".join(f"`{u}`" for u in UNITS) + " | total |"
    rows = [head, "|" + "---|" * (len(UNITS) + 2)]
    for report in sorted(reports, key=lambda r: r.submission_id):
        results = [r for r in report.results if r.visibility == "public" or not public_only]
        per: dict[str, list[float]] = {}
        for r in results:
            per.setdefault(r.function, [0.0, 0.0])
            per[r.function][0] += r.score
            per[r.function][1] += r.max_score
        cells = [f"{per[u][0]:g}/{per[u][1]:g}" if u in per else "–" for u in UNITS]
        got, total = sum(r.score for r in results), sum(r.max_score for r in results)
        rows.append(f"| `{report.submission_id}` | " + " | ".join(cells) + f" | **{got:g}/{total:g}** |")
    text = "\n".join(rows) + "\n"
    if len(reports) == 1:
        checks = ["| check | points | mistake |", "|---|---|---|"]
        for r in reports[0].results:
            if r.visibility == "public" or not public_only:
                mark = "✅" if r.passed else "❌"
                checks.append(f"| {mark} {r.name} | {r.score:g}/{r.max_score:g} | "
                              f"{'`' + r.mistake + '`' if r.mistake and not r.passed else ''} |")
        text += "\n" + "\n".join(checks) + "\n"
    return text


def append_summary(markdown: str, environ=os.environ) -> None:
    """Append to the job summary when ``$GITHUB_STEP_SUMMARY`` names it."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(markdown + "\n")


class GitHub(Written):
    """Annotations for every report, written when the run ends, and the job summary's table."""

    def __init__(self, out=None, stream=None, environ=os.environ):
        super().__init__(out, stream)
        self.environ = environ
        self.lines: list[str] = []
        self.reports: list[Report] = []

    def add(self, report: Report, skipped: bool) -> None:
        self.lines += annotations(report)
        self.reports.append(report)

    def text(self, summary: Summary) -> str:
        return "".join(line + "\n" for line in self.lines)

    def close(self, summary: Summary) -> None:
        super().close(summary)
        if self.reports:
            append_summary("### Autograder: points\n\n" + points_table(self.reports), self.environ)
