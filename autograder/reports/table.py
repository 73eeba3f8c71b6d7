"""A plain-text table of students x functions, for the terminal."""
from __future__ import annotations

from autograder import FUNCTIONS
from autograder.grading import Report

COLUMNS = FUNCTIONS + ("training",)


def render(reports: list[Report]) -> str:
    reports = sorted(reports, key=lambda r: r.submission_id)
    width = max([len("submission")] + [len(r.submission_id) for r in reports])
    head = f"{'submission':<{width}}  " + "  ".join(f"{c:>14}" for c in COLUMNS) + "   total"
    lines = [head, "-" * len(head)]
    for r in reports:
        per = r.function_scores()
        cells = []
        for c in COLUMNS:
            got, total = per.get(c, (0.0, 0.0))
            cells.append(f"{got:>6g}/{total:<7g}")
        lines.append(f"{r.submission_id:<{width}}  " + "  ".join(f"{c:>14}" for c in cells)
                     + f"   {r.score:g}/{r.max_score:g}")
        mistakes = sorted({res.mistake for res in r.results if res.mistake})
        if mistakes:
            lines.append(f"{'':<{width}}  mistakes: " + ", ".join(mistakes))
        for note in r.output:
            lines.append(f"{'':<{width}}  note: {note[:160]}")
    return "\n".join(lines)
