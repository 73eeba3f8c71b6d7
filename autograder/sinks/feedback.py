"""DIR/<id>/feedback.html beside results.json: the student's page of every check and note."""
from __future__ import annotations

import html
from pathlib import Path

from autograder.model import Report, safe_id
from autograder.sinks import Sink
from autograder.sinks.results_json import write_atomic

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {id}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
.passed {{ color: #1a7f37; }} .failed {{ color: #cf222e; }}
pre {{ white-space: pre-wrap; background: #f6f8fa; padding: .75rem; border-radius: 6px; }}
</style></head><body>
<h1>Feedback: {id}</h1>
<p>Score: <strong id="score">{score:g} / {max_score:g}</strong></p>
{notes}
{tests}
</body></html>
"""


def render(report: Report) -> str:
    tests = []
    for r in report.results:
        state = "passed" if r.passed else "failed"
        tests.append(f'<section class="{state}"><h3>{"✔" if r.passed else "✘"} {html.escape(r.name)}'
                     f' ({r.score:g}/{r.max_score:g})</h3>'
                     + ("" if r.passed else f"<pre>{html.escape(r.message)}</pre>") + "</section>")
    notes = "".join(f"<pre>{html.escape(n)}</pre>" for n in report.notes)
    return _PAGE.format(id=html.escape(report.submission_id), score=report.score,
                        max_score=report.max_score, notes=notes, tests="\n".join(tests))


def write(report: Report, out_dir: Path) -> Path:
    folder = Path(out_dir) / safe_id(report.submission_id)   # one path component, whatever the id
    target = folder / "feedback.html"
    write_atomic(target, render(report))
    return target


class Feedback(Sink):
    """Writes each report's feedback.html as soon as it is ready."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)

    def add(self, report: Report, skipped: bool) -> None:
        write(report, self.out_dir)
