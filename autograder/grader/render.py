"""The words a student reads, in English or Chinese: a check's message and a submission's notes.

A message is Markdown: the named mistake, its hint, and a paste-ready repro with its
seed (public checks only). The mistakes' texts are ``spec.mistakes.CATALOGUE``.
"""
from __future__ import annotations

from autograder.model import Submission, Verdict
from autograder.spec.mistakes import CATALOGUE

LABELS = {
    "en": {"mistake": "Mistake", "hint": "Hint", "repro": "Reproduce", "seed": "seed",
           "passed": "Passed.", "all_passed": "{n} of {n} checks passed.",
           "some_failed": "{failed} of {n} checks failed.",
           "more_one": "1 more check runs when your work is graded.",
           "more": "{n} more checks run when your work is graded."},
    "zh": {"mistake": "错误", "hint": "提示", "repro": "复现", "seed": "种子", "passed": "通过。",
           "all_passed": "{n} 项检查全部通过。", "some_failed": "{n} 项检查中有 {failed} 项未通过。",
           "more_one": "正式评分时还会运行 1 项检查。", "more": "正式评分时还会运行 {n} 项检查。"},
}


def message(verdict: Verdict, language: str, repro: str | None, seed: int) -> str:
    """The Markdown a student reads for one check."""
    labels = LABELS[language]
    if verdict.passed:
        return labels["passed"]
    mistake = CATALOGUE[verdict.mistake]
    desc, hint = mistake.text(language, verdict.facts)
    text = f"**{labels['mistake']}** (`{mistake.id}`): {desc}\n\n**{labels['hint']}:** {hint}"
    if repro:
        text += (f"\n\n**{labels['repro']}** ({labels['seed']} {seed}):\n\n```python\n{repro}\n```")
    return text


def cell_notes(submission: Submission, cells: list[dict]) -> list[str]:
    """One note per cell (or the import of a .py) that did not run to its end."""
    notes = []
    for cell in cells:
        if cell["status"] in ("ok", "skipped"):
            continue
        err = cell.get("error") or {}
        where = err.get("where")
        at = f" at line {where['line']}: `{where['code']}`" if where else ""
        what = f"{err.get('type', cell['status'])}: {err.get('message', '')}"
        if cell["status"] == "timeout":
            what = err.get("message", "it timed out")
        unit = "importing the file" if submission.kind == "py" else f"code cell {cell['index'] + 1}"
        if cell.get("statements"):
            notes.extend(_statement_note(submission, cell, s) for s in cell["statements"])
            continue
        verb = {"raised": "raised", "timeout": "was stopped:", "exited": "ended the process:",
                "crashed": "crashed:"}.get(cell["status"], cell["status"])
        notes.append(f"{unit} {verb} {what}{at}")
    return notes


def _statement_note(submission: Submission, cell: dict, failed: dict) -> str:
    """One top-level statement that raised or hung, and what ran instead."""
    err = failed.get("error") or {}
    place = "the file" if submission.kind == "py" else f"code cell {cell['index'] + 1}"
    where = f"{place}, line {failed.get('line')} (`{failed.get('code', '')}`)"
    if failed.get("stopped"):
        what = err.get("message", "it did not finish in time and was stopped")
        return f"{where}: {what}; the statements after it ran"
    message = err.get("message")
    what = f"raised {err.get('type', 'an error')}" + (f": {message}" if message else "")
    return f"{where} {what}; it was skipped and the statements after it ran"
