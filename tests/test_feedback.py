"""The student's page: Markdown rendered (never raw), every word in the course's language
with a matching lang, the score per function, and hidden checks that say only that they failed."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from autograder import spec
from autograder.sinks import feedback
from samples.mutants import MUTANTS


class _Text(HTMLParser):
    """The page's visible text, outside <code> and <pre>."""

    def __init__(self):
        super().__init__()
        self.parts, self.depth, self.lang = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in ("code", "pre", "style", "title"):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in ("code", "pre", "style", "title"):
            self.depth -= 1

    def handle_data(self, data):
        if self.depth == 0:
            self.parts.append(data)


def _page(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def no_zeroing(worker, course, tmp_path_factory):
    from autograder.grader import one
    from autograder.inputs.read import load
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    reports = {}
    for language in ("en", "zh"):
        path = tmp_path_factory.mktemp(language) / "student.py"
        path.write_text(mutant.source())
        reports[language] = one.grade(worker, load(path), course.model_copy(update={"language": language}),
                                      b"page")
    return reports


def test_markdown_is_rendered_not_shown_raw(no_zeroing):
    html = feedback.render(no_zeroing["en"], "en")
    assert "<strong>Mistake</strong>" in html and '<pre><code class="language-python">' in html
    assert "**Mistake**" not in html and "**Hint:**" not in html and "```" not in html


def test_the_page_has_the_score_per_function(no_zeroing):
    html = feedback.render(no_zeroing["en"], "en")
    rows = re.findall(r"<tr class=\"(\w+)\"><td><code>(\w+)</code></td><td>([\d.]+) / ([\d.]+)</td>", html)
    assert {f for _, f, _, _ in rows} == set(spec.UNITS)
    assert [f for state, f, _, _ in rows if state == "failed"] == ["sgd", "training"]


def test_a_chinese_page_is_chinese_and_says_so(no_zeroing):
    page = _page(feedback.render(no_zeroing["zh"], "zh"))
    assert page.lang == "zh"
    text = " ".join(page.parts)
    english = re.findall(r"[A-Za-z]{3,}(?:[ ,'-]+[A-Za-z]{3,}){2,}", re.sub(r"「[^」]*」", " ", text))
    assert not english, english
    assert "反馈" in text and "得分" in text and "更新后把每个参数的梯度清零" in text


def test_an_english_page_says_en(no_zeroing):
    assert _page(feedback.render(no_zeroing["en"], "en")).lang == "en"


def test_every_check_has_a_chinese_title():
    assert set(spec.TITLES_ZH) == set(spec.CHECKS)
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in spec.TITLES_ZH.values())


def test_a_hidden_check_shows_only_that_it_failed(grade, course):
    mutant = next(m for m in MUTANTS if m.name == "same order every epoch")
    report = grade(mutant.source(), settings=course)
    (hidden,) = [r for r in report.results if not r.passed]
    assert hidden.visibility == "hidden" and hidden.id == "data_iter.fresh_order"
    html = feedback.render(report, "en")
    assert "runs only when your work is graded, and it failed" in html
    assert hidden.message.split("\n")[0][:40] not in html      # its message (what it tried) is not there


def test_the_markdown_page_for_an_lms(no_zeroing):
    md = feedback.render_markdown(no_zeroing["zh"], "zh")
    assert md.startswith("# 反馈: ") and "| `sgd` |" in md and "**错误**" in md


def test_a_submissions_html_stays_text(grade, course):
    """A message carries what a submission raised: markup in it is shown, never run."""
    source = next(m for m in MUTANTS if m.name == "no zeroing").source().replace(
        "def sgd(params, lr, batch_size):", "def sgd(params, lr, batch_size):\n"
        "    raise RuntimeError('<script>alert(1)</script><img src=x onerror=alert(2)>')", 1)
    html = feedback.render(grade(source, settings=course), "en")
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_the_page_carries_trainings_two_plots_as_svg(no_zeroing):
    report = no_zeroing["en"]
    curves = report.curves
    assert len(curves["losses"]) == 3 and len(curves["reference"]) == 3
    from autograder.spec.training import PLOT_POINTS
    assert len(curves["points"]) == PLOT_POINTS and len(curves["w"]) == 2
    # an sgd that never zeroes its gradients does not get near the reference's loss
    assert float(curves["losses"][-1]) > 10 * curves["reference"][-1]
    html = feedback.render(report, "en")
    figures = re.findall(r'<figure class="plot" data-plot="(\w+)"[^>]*>\s*<svg', html)
    assert figures == ["loss", "fit"]
    assert "Loss per epoch" in html and "Your fitted line" in html
    zh = feedback.render(no_zeroing["zh"], "zh")
    assert "每个迭代周期的损失" in zh and "你拟合的直线" in zh
    md = feedback.render_markdown(report, "en")
    assert md.count("](data:image/svg+xml;base64,") == 2


def test_a_hidden_training_check_draws_nothing(grade, course):
    hidden = course.model_copy(update={"checks": {**course.checks, "training.converges":
                               course.checks["training.converges"].model_copy(update={"visibility": "hidden"})}})
    report = grade(next(m for m in MUTANTS if m.name == "no zeroing").source(), settings=hidden)
    assert report.curves is None and "<figure" not in feedback.render(report, "en")


def test_a_training_that_did_not_run_draws_nothing(grade, course):
    report = grade(next(m for m in MUTANTS if m.name == "still the stub").source(), settings=course)
    assert report.curves is None and "<figure" not in feedback.render(report, "en")


def test_the_stored_report_draws_the_same_page(no_zeroing, tmp_path):
    from autograder.store.gradebook import Gradebook
    report = no_zeroing["en"]
    with Gradebook(tmp_path / "g.db") as book:
        book.record(report, report.submission_id, "linreg", "h", 1.0)
        [row] = book.submissions()
        stored = book.report(row)
    assert stored.curves == report.curves
    assert feedback.render(stored, "en") == feedback.render(report, "en")


def test_the_plots_drawn_side_by_side_are_the_same_plots(no_zeroing, monkeypatch):
    """check() draws the loss in a fork while it draws the fit; the SVG is the same, and
    where no fork can be made both are drawn in the process."""
    import os

    from autograder.sinks.plots import figures
    curves = no_zeroing["en"].curves
    alone = figures(curves, "zh")
    assert figures(curves, "zh", side_by_side=True) == alone and [f[0] for f in alone] == ["loss", "fit"]

    def no_fork():
        raise OSError("fork refused")
    monkeypatch.setattr(os, "fork", no_fork)
    assert figures(curves, "zh", side_by_side=True) == alone


def _runs(base: dict) -> list[dict]:
    """Training runs of other shapes than ``base``: a loss that is not positive, a w that is
    not finite, other data; then ``base`` again."""
    import copy
    runs = [base]
    for change in ({"losses": [x * 30 for x in base["losses"]], "w": [1.0, -2.0], "b": 3.0},
                   {"losses": [float("nan"), 1.0, -1.0]},
                   {"points": [[x * 2, y + 1] for x, y in base["points"]], "losses": [5.0, 4.0, 3.9]},
                   {"w": [float("nan"), 1.0]},
                   {}):
        run = copy.deepcopy(base)
        run.update(change)
        runs.append(run)
    return runs


def test_a_kept_figure_draws_what_a_new_figure_draws(no_zeroing, monkeypatch):
    """Figures are kept and drawn again with the next run's numbers: nothing of the run
    before may show, whatever the runs' shapes."""
    from autograder.sinks import plots
    runs = _runs(no_zeroing["en"].curves)
    for language in ("en", "zh"):
        kept = [plots.figures(run, language) for run in runs]
        new = []
        for run in runs:
            monkeypatch.setattr(plots, "_KEPT", {})
            new.append(plots.figures(run, language))
        assert kept == new
        assert all(one != other for one, other in zip(new, new[1:]))   # each run draws something else


def test_a_figure_kept_from_before_a_change_of_style_is_not_reused(no_zeroing, monkeypatch):
    """A notebook that changes matplotlib's settings (plt.style.use, seaborn) after the
    figures were kept gets the plots that a new figure draws in the new style."""
    import matplotlib

    from autograder.sinks import plots
    curves = no_zeroing["en"].curves
    before = plots.figures(curves, "en")
    with matplotlib.rc_context({"lines.linewidth": 4, "axes.grid": True}):
        kept = plots.figures(curves, "en")
        monkeypatch.setattr(plots, "_KEPT", {})
        new = plots.figures(curves, "en")
    assert kept == new and kept != before


def test_the_axes_of_a_kept_figure_fit_each_run(no_zeroing):
    import math

    from autograder.sinks import plots
    t = plots.WORDS["en"]
    for run in _runs(no_zeroing["en"].curves):
        ax = plots._fit(run, t, "en").axes[0]
        xs, ys = [p[0] for p in run["points"]], [p[1] for p in run["points"]]
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert x0 <= min(xs) and max(xs) <= x1
        if all(math.isfinite(v) for v in run["w"]):      # the data's span and a fifth of it each side
            span = max(ys) - min(ys)
            assert (y0, y1) == pytest.approx((min(ys) - 0.2 * span, max(ys) + 0.2 * span))
        else:
            assert y0 <= min(ys) and max(ys) <= y1
        ax = plots._loss(run, t, "en").axes[0]
        shown = [x for x in run["losses"] + run["reference"] if math.isfinite(x)]
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert x0 <= 1 and len(run["reference"]) <= x1
        assert y0 <= min(shown) and max(shown) <= y1
        assert ax.get_yscale() == ("log" if min(shown) > 0 else "linear")


def test_a_plot_fork_that_hangs_is_killed_and_the_plot_drawn_here(no_zeroing, monkeypatch):
    import os
    import time

    from autograder.sinks import plots
    curves = no_zeroing["en"].curves
    alone = plots.figures(curves, "en")
    parent, draw = os.getpid(), plots._draw

    def hangs_in_the_fork(kind, *args, **kwargs):
        if os.getpid() != parent:
            time.sleep(60)
        return draw(kind, *args, **kwargs)
    monkeypatch.setattr(plots, "_draw", hangs_in_the_fork)
    monkeypatch.setattr(plots, "FORK_SECONDS", 0.5)
    start = time.monotonic()
    assert plots.figures(curves, "en", side_by_side=True) == alone
    assert time.monotonic() - start < 10
