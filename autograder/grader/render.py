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


# The words of the notes about cells and statements; what a program said is quoted as it is.
NOTES = {
    "en": {"file": "the file", "import": "importing the file", "cell": "code cell {n}",
           "at": " at line {line}: `{code}`", "raised": "raised", "timeout": "was stopped:",
           "exited": "ended the process:", "crashed": "crashed:", "timed_out": "it timed out",
           "where": "{place}, line {line} (`{code}`)",
           "stopped": "{where}: {what}; the statements after it ran",
           "not_finished": "it did not finish in time and was stopped",
           "skipped": "{where} raised {what}; it was skipped and the statements after it ran",
           "an_error": "an error", "quote": "{text}", "cell_note": "{unit} {verb} {what}{at}"},
    "zh": {"file": "文件", "import": "导入文件时", "cell": "第 {n} 个代码单元格",
           "at": "（第 {line} 行：`{code}`）", "raised": "抛出了异常", "timeout": "被停止：",
           "exited": "结束了进程：", "crashed": "崩溃了：", "timed_out": "超时",
           "where": "{place}第 {line} 行（`{code}`）",
           "stopped": "{where}：{what}；它之后的语句照常运行",
           "not_finished": "没有在时限内完成，已被停止",
           "skipped": "{where}抛出了 {what}；它被跳过，之后的语句照常运行",
           "an_error": "一个异常", "quote": "「{text}」", "cell_note": "{unit}{verb}{what}{at}"},
}


def cell_notes(submission: Submission, cells: list[dict], language: str = "en") -> list[str]:
    """One note per cell (or the import of a .py) that did not run to its end."""
    t = NOTES[language]
    notes = []
    for cell in cells:
        if cell["status"] in ("ok", "skipped"):
            continue
        err = cell.get("error") or {}
        where = err.get("where")
        at = t["at"].format(line=where["line"], code=where["code"]) if where else ""
        what = t["quote"].format(text=f"{err.get('type', cell['status'])}: {err.get('message', '')}")
        if cell["status"] == "timeout":
            what = t["quote"].format(text=err["message"]) if "message" in err else t["timed_out"]
        unit = t["import"] if submission.kind == "py" else t["cell"].format(n=cell["index"] + 1)
        if cell.get("statements"):
            notes.extend(_statement_note(submission, cell, s, t) for s in cell["statements"])
            continue
        verb = t.get(cell["status"], cell["status"]) if cell["status"] in (
            "raised", "timeout", "exited", "crashed") else cell["status"]
        notes.append(t["cell_note"].format(unit=unit, verb=verb, what=what, at=at))
    return notes


def _statement_note(submission: Submission, cell: dict, failed: dict, t: dict) -> str:
    """One top-level statement that raised or hung, and what ran instead."""
    err = failed.get("error") or {}
    place = t["file"] if submission.kind == "py" else t["cell"].format(n=cell["index"] + 1)
    where = t["where"].format(place=place, line=failed.get("line"), code=failed.get("code", ""))
    if failed.get("stopped"):
        what = t["quote"].format(text=err["message"]) if "message" in err else t["not_finished"]
        return t["stopped"].format(where=where, what=what)
    message = err.get("message")
    kind = err.get("type")
    what = (t["quote"].format(text=kind + (f": {message}" if message else "")) if kind else t["an_error"])
    return t["skipped"].format(where=where, what=what)
