"""The pages as a reader sees them, in headless Chromium: feedback.html and the class dashboard,
in English and in Chinese, screenshotted into build/screenshots/ (kept as artefacts). The plots
are drawn, and every Chinese character is drawn by an installed CJK font, not as a box."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from samples.mutants import MUTANTS
from tests.browser import CJK, Chromium, cjk_families
from tests.conftest import REFERENCE, ROOT

SHOTS = ROOT / "build" / "screenshots"
ENV = dict(os.environ, AUTOGRADER_SECRET="screenshots")
BUGGY = "no zeroing"        # sgd keeps the gradients: failed checks, and training runs (and diverges)


def _autograder(*args, cwd: Path):
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """feedback.html of a buggy and of a correct submission, and the dashboard of the class,
    each in English and in Chinese: Chinese from ``--lang zh`` for the feedback and from
    course.yaml's ``language: zh`` for the dashboard."""
    base = tmp_path_factory.mktemp("pages")
    subs = base / "subs"
    subs.mkdir()
    (subs / "buggy.py").write_text(next(m for m in MUTANTS if m.name == BUGGY).source(), encoding="utf-8")
    (subs / "correct.py").write_text(REFERENCE, encoding="utf-8")
    course = (ROOT / "course.yaml").read_text(encoding="utf-8")
    (base / "course.yaml").write_text(course, encoding="utf-8")
    (base / "course-zh.yaml").write_text(course.replace("language: en", "language: zh"), encoding="utf-8")
    assert "language: zh" in (base / "course-zh.yaml").read_text(encoding="utf-8")
    found = {}
    for lang in ("en", "zh"):
        _autograder("grade", "subs", "--out", f"out-{lang}", "--gradebook", f"g-{lang}.db", "--lang", lang,
                    "--jobs", "2", "--quiet", "--config", "course.yaml", cwd=base)
        for sid in ("buggy", "correct"):
            found[f"feedback-{sid}-{lang}"] = base / f"out-{lang}" / sid / "feedback.html"
        config = "course.yaml" if lang == "en" else "course-zh.yaml"
        _autograder("report", "--gradebook", f"g-{lang}.db", "--out", f"report-{lang}.html",
                    "--results", f"out-{lang}", "--config", config, cwd=base)
        found[f"dashboard-{lang}"] = base / f"report-{lang}.html"
    return found


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Chromium(tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


# the screenshots' names, stable from run to run: feedback-en.png is the buggy submission's page
NAMES = {"feedback-buggy-en": "feedback-en.png", "feedback-buggy-zh": "feedback-zh.png",
         "feedback-correct-en": "feedback-correct-en.png", "feedback-correct-zh": "feedback-correct-zh.png",
         "dashboard-en": "dashboard-en.png", "dashboard-zh": "dashboard-zh.png"}


@pytest.mark.parametrize("name", NAMES)
def test_the_page_renders_in_its_language_with_its_plots_drawn(pages, browser, name):
    page = browser.open(pages[name].as_uri())
    shot = page.screenshot(SHOTS / NAMES[name])
    assert shot.stat().st_size > 10_000
    lang = name.rsplit("-", 1)[1]
    assert page.evaluate("document.documentElement.lang") == lang
    drawn = page.drawn()
    assert all(drawn["images"]) and all(drawn["svgs"]), drawn      # naturalWidth > 0, a box > 0
    text = page.evaluate("document.body.innerText")
    assert bool(CJK.search(text)) == (lang == "zh"), text[:200]
    if name.startswith("dashboard"):
        plots = page.plots()
        assert len(plots) == 2 and all(p["svgs"] + p["images"] and all(p["svgs"] + p["images"]) for p in plots), plots
    if name.startswith("feedback-buggy"):
        assert page.evaluate("document.querySelectorAll('section.check.failed').length") >= 2


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith("feedback")])
def test_a_feedback_page_whose_training_ran_shows_the_two_plots(pages, browser, name):
    """The loss per epoch against the reference's, and the fitted line against the data: each
    a <figure class="plot"> holding an inline <svg> or an <img>, drawn."""
    plots = browser.open(pages[name].as_uri()).plots()
    assert len(plots) >= 2, plots
    for plot in plots:
        shown = plot["svgs"] + plot["images"]
        assert shown and all(shown), plot


@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith("-zh")])
def test_no_chinese_character_falls_back_to_a_missing_glyph(pages, browser, name):
    families = cjk_families()
    assert families, "no CJK font is installed (make system-packages installs fonts-wqy-zenhei)"
    page = browser.open(pages[name].as_uri())
    assert len(page.cjk_text()) >= 5                    # headings, labels and messages: not vacuous
    assert page.cjk_fallbacks(families) == []


FALLBACK_PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><style>
@font-face { font-family: OnlyLatin; src: local("DejaVu Sans"); }
body { font-family: OnlyLatin; }</style></head>
<body><h1>反馈</h1><p>Score: 得分 <b>3</b></p><svg width="200" height="40"><text x="5" y="30">学生人数</text></svg></body></html>
"""


def _latin_only_fonts(folder: Path) -> dict:
    """An environment whose fontconfig knows only the DejaVu fonts: a machine with no CJK font."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    assert dejavu.is_dir(), "fonts-dejavu-core is expected beside chromium"
    conf = folder / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{dejavu}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>
""", encoding="utf-8")
    return dict(os.environ, FONTCONFIG_FILE=str(conf))


@pytest.mark.parametrize("what", ["a page in a Latin-only font", "dashboard-zh", "feedback-buggy-zh"])
def test_the_glyph_check_finds_chinese_drawn_without_a_cjk_font(pages, tmp_path, what):
    """Where no font holds Chinese, Chromium draws boxes; the check must see that, for every
    element that holds Chinese, SVG text included."""
    env = _latin_only_fonts(tmp_path)
    assert cjk_families(env) == set()
    if what.startswith("a page"):
        url = tmp_path / "fallback.html"
        url.write_text(FALLBACK_PAGE, encoding="utf-8")
    else:
        url = pages[what]
    with Chromium(tmp_path / "profile", env=env) as chromium:
        page = chromium.open(url.as_uri())
        page.screenshot(tmp_path / "boxes.png")
        holding = page.cjk_text()
        found = page.cjk_fallbacks(cjk_families())
    assert holding and len(found) == len(holding), (holding, found)
    if what.startswith("a page"):
        assert {tag for _, tag, _ in holding} >= {"H1", "P", "TEXT"}
