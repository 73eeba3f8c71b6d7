"""The class dashboard as a sink: one static HTML page of the counted reports, plots embedded as PNG."""
from __future__ import annotations

import base64
import html
import io
import os
import statistics
from collections import Counter
from pathlib import Path

from autograder.model import Report
from autograder.sinks import Sink, Summary
from autograder.sinks.results_json import write_atomic
from autograder.spec import UNITS as COLUMNS
from autograder.spec.mistakes import CATALOGUE


class Page(Sink):
    """Collects the reports and writes the page when it is closed."""

    def __init__(self, page: Path, settings, results_dir: Path):
        self.page, self.settings, self.results_dir = Path(page), settings, Path(results_dir)
        self.reports: dict[str, Report] = {}

    def add(self, report: Report, skipped: bool) -> None:
        self.reports[report.submission_id] = report

    def close(self, summary: Summary) -> None:
        write_atomic(self.page, render(self.reports, self.settings, self.results_dir, self.page))


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plots(scores: list[float], max_score: float, rates: dict[str, float]) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(scores, bins=min(25, max(5, int(max_score) + 1)), range=(0, max_score), color="#0969da")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Scores")
    hist = _png(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(list(rates), [100 * v for v in rates.values()], color="#1a7f37")
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of students with full marks")
    ax.invert_yaxis()
    bars = _png(fig)
    plt.close(fig)
    return hist, bars


def render(by_student: dict[str, Report], settings, results_dir: Path, page: Path) -> str:
    reports = dict(sorted(by_student.items()))
    scores = [rep.score for rep in reports.values()]
    max_score = max((rep.max_score for rep in reports.values()), default=0.0)
    rates = {}
    for f in COLUMNS:
        full = [rep.function_scores().get(f, (0, 0)) for rep in reports.values()]
        rates[f] = sum(1 for got, total in full if got == total) / len(full) if full else 0.0
    mistakes = Counter(m for rep in reports.values()
                       for m in rep.mistakes)
    hist, bars = _plots(scores, max_score or 1.0, rates)
    rel = os.path.relpath(results_dir.resolve(), page.resolve().parent)

    def link(student):
        return f'<a href="{html.escape(rel)}/{html.escape(student)}/feedback.html">{html.escape(student)}</a>'

    def hint(m):
        return CATALOGUE[m].text("en", {"function": m.split(".")[0]})[1] if m in CATALOGUE else ""

    mistake_rows = "".join(
        f"<tr><td><code>{html.escape(m)}</code></td><td>{html.escape(hint(m))}"
        f"</td><td class='n'>{n}</td></tr>" for m, n in mistakes.most_common(15))
    rate_rows = "".join(f"<tr><td>{f}</td><td class='n'>{100 * v:.0f}%</td></tr>" for f, v in rates.items())
    slow = sorted(reports.items(), key=lambda kv: -kv[1].seconds)[:10]
    slow_rows = "".join(f"<tr><td>{link(s)}</td><td class='n'>{rep.seconds:.2f} s</td></tr>"
                        for s, rep in slow)
    failing = [(s, rep) for s, rep in reports.items() if rep.score < rep.max_score]
    fail_rows = "".join(f"<tr><td>{link(s)}</td><td class='n'>{rep.score:g}/{rep.max_score:g}</td>"
                        f"<td>{html.escape(', '.join(rep.mistakes))}"
                        f"</td></tr>" for s, rep in failing)
    mean = statistics.mean(scores) if scores else 0.0
    median = statistics.median(scores) if scores else 0.0
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(settings.assignment)}: class report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }} td, th {{ padding: .25rem .6rem;
border-bottom: 1px solid #ddd; text-align: left; }} .n {{ text-align: right; }}
</style></head><body>
<h1>{html.escape(settings.assignment)}: class report</h1>
<p>Students: <strong id="students">{len(scores)}</strong>. Mean score: <strong id="mean">{mean:.2f}</strong>
of {max_score:g}; median <strong id="median">{median:g}</strong>; full marks:
<strong id="full">{sum(1 for s in scores if s == max_score)}</strong>.</p>
<h2>Scores</h2><img alt="histogram of scores" src="{hist}">
<h2>Per-function pass rates</h2><img alt="pass rate per function" src="{bars}">
<table id="rates"><tr><th>function</th><th>full marks</th></tr>{rate_rows}</table>
<h2>Most common mistakes</h2>
<table id="mistakes"><tr><th>mistake</th><th>the hint students get</th><th>students</th></tr>{mistake_rows}</table>
<h2>Slowest submissions</h2><table id="slowest">{slow_rows}</table>
<h2>Submissions that lost points</h2>
<table id="failing"><tr><th>student</th><th>score</th><th>mistakes</th></tr>{fail_rows}</table>
<script>
window.addEventListener("load", () => {{
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length;
  document.body.dataset.brokenImages = String(broken);
  document.body.dataset.images = String(document.images.length);
}});
</script>
</body></html>
"""
