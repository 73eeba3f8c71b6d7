"""The class dashboard as a sink: one static HTML page of the counted reports, in the course's language.

Rendered with Jinja2 (templates/dashboard.html.j2); every word of the page, its plots'
titles and axis labels included, is in ``WORDS``, and the page's ``lang`` says which
language it is in. The plots are inline SVG whose text the browser draws (sinks/figures.py).
"""
from __future__ import annotations

import os
import statistics
from collections import Counter
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from autograder.model import Report, safe_id
from autograder.sinks import Sink, Summary
from autograder.sinks.results_json import write_atomic
from autograder.spec import UNITS as COLUMNS
from autograder.spec.mistakes import CATALOGUE

WORDS = {
    "en": {"title": "{assignment}: class report",
           "summary": "Students: {students}. Mean score: {mean} of {max}; median {median}; full marks: {full}.",
           "scores": "Scores", "score_axis": "score", "students_axis": "students",
           "scores_alt": "histogram of the scores",
           "rates": "Per-function pass rates", "rates_axis": "% of students with full marks",
           "rates_alt": "share of the students with full marks, per function",
           "function": "function", "full_marks": "full marks",
           "mistakes": "Most common mistakes", "mistake": "mistake", "hint": "the hint students get",
           "students": "students",
           "slowest": "Slowest submissions", "student": "student", "time": "grading time",
           "seconds": "{seconds:.2f} s",
           "failing": "Submissions that lost points", "score": "score", "named": "mistakes",
           "none": "none"},
    "zh": {"title": "{assignment}：全班报告",
           "summary": "学生：{students} 人。平均分：{mean}（满分 {max}）；中位数：{median}；得满分：{full} 人。",
           "scores": "得分分布", "score_axis": "得分", "students_axis": "学生人数",
           "scores_alt": "得分的直方图",
           "rates": "各函数的满分率", "rates_axis": "得满分的学生（%）",
           "rates_alt": "每个函数得满分的学生比例",
           "function": "函数", "full_marks": "满分率",
           "mistakes": "最常见的错误", "mistake": "错误", "hint": "学生看到的提示",
           "students": "学生人数",
           "slowest": "评分最慢的提交", "student": "学生", "time": "评分用时",
           "seconds": "{seconds:.2f} 秒",
           "failing": "失分的提交", "score": "得分", "named": "错误",
           "none": "无"},
}


class Page(Sink):
    """Collects the reports and writes the page when it is closed."""

    def __init__(self, page: Path, settings, results_dir: Path, language: str | None = None):
        self.page, self.settings, self.results_dir = Path(page), settings, Path(results_dir)
        self.language = language or settings.language
        self.reports: dict[str, Report] = {}

    def add(self, report: Report, skipped: bool) -> None:
        self.reports[report.submission_id] = report

    def close(self, summary: Summary) -> None:
        write_atomic(self.page, render(self.reports, self.settings, self.results_dir, self.page,
                                       self.language))


def _plots(scores: list[float], max_score: float, rates: dict[str, float], t: dict,
           language: str) -> tuple[str, str]:
    """The histogram of the scores and the bars of the pass rates, as inline SVG."""
    from matplotlib.figure import Figure     # not pyplot: no global state, no backend

    from autograder.sinks import figures

    with figures.style(language, "scores"):
        fig = Figure(figsize=(6, 3))
        ax = fig.subplots()
        ax.hist(scores, bins=min(25, max(5, int(max_score) + 1)), range=(0, max_score), color="#0969da")
        ax.set_xlabel(t["score_axis"])
        ax.set_ylabel(t["students_axis"])
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(t["scores"])
        hist = figures.svg(fig)
    with figures.style(language, "rates"):
        fig = Figure(figsize=(6, 3))
        ax = fig.subplots()
        ax.barh(list(rates), [100 * v for v in rates.values()], color="#1a7f37")
        ax.set_xlim(0, 100)
        ax.set_xlabel(t["rates_axis"])
        ax.set_title(t["rates"])
        ax.invert_yaxis()
        bars = figures.svg(fig)
    return hist, bars


@lru_cache(maxsize=None)
def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                       autoescape=select_autoescape(["html.j2"]), keep_trailing_newline=True)


def render(by_student: dict[str, Report], settings, results_dir: Path, page: Path,
           language: str = "en") -> str:
    from markupsafe import Markup

    t = WORDS[language]
    reports = dict(sorted(by_student.items()))
    scores = [rep.score for rep in reports.values()]
    max_score = max((rep.max_score for rep in reports.values()), default=0.0)
    rates = {}
    for f in COLUMNS:
        full = [rep.function_scores().get(f, (0, 0)) for rep in reports.values()]
        rates[f] = sum(1 for got, total in full if got == total) / len(full) if full else 0.0
    mistakes = Counter(m for rep in reports.values() for m in rep.mistakes)
    hist, bars = _plots(scores, max_score or 1.0, rates, t, language)

    def hint(m):
        """The hint as the students read it: its Markdown (`code`) rendered, raw HTML off."""
        from markdown_it import MarkdownIt
        text = CATALOGUE[m].text(language, {"function": m.split(".")[0]})[1] if m in CATALOGUE else ""
        return Markup(MarkdownIt("commonmark", {"html": False}).renderInline(text))

    def strong(name, value):
        return Markup('<strong id="{}">{}</strong>').format(name, value)

    mean = statistics.mean(scores) if scores else 0.0
    median = statistics.median(scores) if scores else 0.0
    summary = Markup(t["summary"]).format(
        students=strong("students", len(scores)), mean=strong("mean", f"{mean:.2f}"),
        max=f"{max_score:g}", median=strong("median", f"{median:g}"),
        full=strong("full", sum(1 for s in scores if s == max_score)))
    rel = os.path.relpath(results_dir.resolve(), page.resolve().parent).replace(os.sep, "/")

    def link(student):
        """The student's feedback.html, relative to where this page is written."""
        return f"{quote(rel)}/{quote(safe_id(student))}/feedback.html"

    slow = sorted(reports.items(), key=lambda kv: -kv[1].seconds)[:10]
    context = {
        "lang": language, "t": t, "title": t["title"].format(assignment=settings.assignment),
        "summary": summary, "hist": Markup(hist), "bars": Markup(bars),
        "rates": [(f, f"{100 * v:.0f}%") for f, v in rates.items()],
        "mistakes": [(m, hint(m), n) for m, n in mistakes.most_common(15)],
        "slowest": [(s, link(s), t["seconds"].format(seconds=rep.seconds)) for s, rep in slow],
        "failing": [(s, link(s), f"{rep.score:g}/{rep.max_score:g}", ", ".join(rep.mistakes))
                    for s, rep in reports.items() if rep.score < rep.max_score],
    }
    return _environment().get_template("dashboard.html.j2").render(context)
