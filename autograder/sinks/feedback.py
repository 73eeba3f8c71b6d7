"""DIR/<id>/feedback.html and feedback.md beside results.json: the student's page.

Rendered with Jinja2 (templates/), the messages' Markdown with markdown-it-py, raw HTML
off, so nothing a submission prints becomes markup. Every word of the page is in the
course's language, and the page's ``lang`` says which. A hidden check shows only that
it failed: its message would tell what it tried.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from autograder.model import Report, safe_id
from autograder.sinks import Sink
from autograder.sinks.results_json import write_atomic

WORDS = {
    "en": {"title": "Feedback", "score": "Score", "function": "Function", "points": "Points",
           "notes": "Notes", "checks": "Checks", "training": "Training",
           "hidden": "This check runs only when your work is graded, and it failed. Its inputs stay hidden."},
    "zh": {"title": "反馈", "score": "得分", "function": "函数", "points": "分数", "notes": "说明",
           "checks": "检查", "training": "训练", "hidden": "这项检查只在正式评分时运行，它没有通过。它的输入不公开。"},
}


@lru_cache(maxsize=None)
def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from autograder.sinks.safe import markdown_text
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html.j2"]), keep_trailing_newline=True)
    env.filters["md_text"] = markdown_text
    return env


@lru_cache(maxsize=None)
def _markdown():
    from markdown_it import MarkdownIt
    return MarkdownIt("commonmark", {"html": False})


def shown_message(result, language: str = "en") -> str:
    """A check's Markdown as a student may read it: a failed hidden check's says only that it
    failed (its message would tell what it tried). Every output a student may read uses it."""
    if result.visibility == "hidden" and not result.passed:
        return WORDS[language]["hidden"]
    return result.message or ""


def bodies(report: Report, language: str) -> list[tuple]:
    """(result, its title, its Markdown) for every check, as a student may read them."""
    from autograder import spec
    return [(r, spec.title(r.id, language) if r.id in spec.CHECKS else r.name, shown_message(r, language))
            for r in report.results]


def _context(report: Report, language: str) -> dict:
    return {"lang": language, "t": WORDS[language], "report": report,
            "functions": list(report.function_scores().items()), "notes": list(report.notes)}


def _plots(report: Report, language: str) -> list[tuple[str, str, str, str]]:
    """(kind, title, alt text, SVG) of training's two plots; none when training did not run or is hidden."""
    from autograder.sinks.plots import figures
    return figures(report.curves, language) if report.curves else []


def render(report: Report, language: str = "en") -> str:
    from markupsafe import Markup
    md = _markdown()
    context = _context(report, language)
    context["plots"] = [(kind, title, alt, Markup(svg)) for kind, title, alt, svg in _plots(report, language)]
    context["checks"] = [(r, name, Markup(md.render(body))) for r, name, body in bodies(report, language)]
    context["notes"] = [Markup(md.render(note)) for note in report.notes]
    return _environment().get_template("feedback.html.j2").render(context)


def render_markdown(report: Report, language: str = "en") -> str:
    """The same page as Markdown, for an LMS that takes Markdown."""
    context = _context(report, language)
    from autograder.sinks.plots import data_uri
    context["checks_md"] = bodies(report, language)
    context["plots_md"] = [(title, alt, data_uri(svg)) for _, title, alt, svg in _plots(report, language)]
    context["notes_md"] = list(report.notes)
    return _environment().get_template("feedback.md.j2").render(context)


def write(report: Report, out_dir: Path, language: str = "en") -> Path:
    folder = Path(out_dir) / safe_id(report.submission_id)   # one path component, whatever the id
    target = folder / "feedback.html"
    write_atomic(target, render(report, language))
    write_atomic(folder / "feedback.md", render_markdown(report, language))
    return target


class Feedback(Sink):
    """Writes each report's feedback.html and feedback.md as soon as it is ready."""

    def __init__(self, out_dir: Path, language: str = "en"):
        self.out_dir, self.language = Path(out_dir), language

    def add(self, report: Report, skipped: bool) -> None:
        write(report, self.out_dir, self.language)
