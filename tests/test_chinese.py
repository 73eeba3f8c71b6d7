"""Every surface speaks both languages: each word of the feedback page, of check()'s display,
of the class dashboard, of the terminal's table and of the catalogue of mistakes exists in
English and in Chinese, and no zh text, as written or as a real grading fills it in, still
holds an English sentence."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from autograder import spec
from autograder.grader.render import LABELS
from autograder.sinks import Summary, dashboard, feedback, table
from autograder.spec.mistakes import CATALOGUE
from samples.mutants import MUTANTS
from tests.conftest import ROOT

LANGUAGES = ("en", "zh")


def _surfaces() -> dict[str, dict]:
    """The words of each surface: every module-level dict of the package keyed by "en" and
    "zh" (feedback.WORDS, render.LABELS, dashboard.WORDS, table.WORDS, and any added later),
    found in the source and taken from the imported module. Only the far side is left out."""
    import importlib
    found = {}
    package = ROOT / "autograder"
    for path in sorted(package.rglob("*.py")):
        if "sandbox" in path.parts:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and \
                    {getattr(k, "value", None) for k in node.value.keys} & set(LANGUAGES):
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                for target in node.targets:
                    found[f"{module}.{target.id}"] = getattr(importlib.import_module(module), target.id)
    return found


# The words of each surface, one dict per surface, keyed by language.
SURFACES = _surfaces()

# Two English words in a row ("every parameter", the half-English message the issue found);
# code, quotations and fields are taken out first (_prose, english_in).
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,})+")


def _prose(markdown: str) -> str:
    """A message without its code and quotations: fenced blocks, `inline code` and a
    program's own words quoted 「like this」 (an exception's message) may be English."""
    markdown = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    markdown = re.sub(r"「[^」]*」", " ", markdown)
    markdown = re.sub(r"\b-?(nan|inf)\b", " ", markdown)        # numbers, as Python prints them
    return re.sub(r"`[^`]*`", " ", markdown)


@pytest.fixture(scope="module")
def zh(course):
    return course.model_copy(update={"language": "zh"})


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_no_english_sentence_in_a_chinese_message(grade, zh, mutant):
    report = grade(mutant.source(), settings=zh)
    for r in report.results:
        if not r.passed:
            found = ENGLISH_RUN.findall(_prose(r.message))
            assert not found, (r.id, r.mistake, found)


def test_the_check_itself_catches_english(grade, course):
    """The test above would pass vacuously if it could not see English: in English it does."""
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    report = grade(mutant.source(), settings=course)
    assert any(ENGLISH_RUN.findall(_prose(r.message)) for r in report.results if not r.passed)


def _placeholders(template: str) -> set[str]:
    """The fields a template fills in; ``{x_en}`` and ``{x_zh}`` are the one fact ``x``."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {re.sub(r"_(en|zh)$", "", name) for name in names}


def untranslated(words: dict) -> list[str]:
    """What one surface's words lack: a language, a key in one language but not in the other,
    an empty text, or a text that fills in other fields than its translation."""
    problems = [f"no {lang!r} words" for lang in LANGUAGES if lang not in words]
    present = [lang for lang in LANGUAGES if lang in words]
    keys = set().union(*(words[lang] for lang in present)) if present else set()
    for key in sorted(keys):
        texts = {lang: words[lang].get(key) for lang in present}
        problems += [f"{key!r} has no {lang!r} text" for lang, text in texts.items() if not text]
        fields = {lang: _placeholders(text) for lang, text in texts.items() if text}
        if len(set(map(frozenset, fields.values()))) > 1:
            problems.append(f"{key!r} fills in different fields: {fields}")
    return problems


def english_in(text: str) -> list[str]:
    """The English sentences in a zh text (its fields, code and quotations left out)."""
    return ENGLISH_RUN.findall(_prose(re.sub(r"\{[^{}]*\}", " ", text)))


def _zh_texts():
    """(where, text) for every Chinese text the pages, the terminal and the catalogue hold."""
    for name, words in SURFACES.items():
        for key, text in words["zh"].items():
            yield f"{name}['zh'][{key!r}]", text
    for mistake in CATALOGUE.values():
        yield f"{mistake.id}.zh", mistake.zh
        yield f"{mistake.id}.hint_zh", mistake.hint_zh
    for check, title in spec.TITLES_ZH.items():
        yield f"TITLES_ZH[{check!r}]", title


def test_the_surfaces_are_found():
    assert SURFACES["autograder.sinks.feedback.WORDS"] is feedback.WORDS
    assert SURFACES["autograder.grader.render.LABELS"] is LABELS
    assert SURFACES["autograder.sinks.dashboard.WORDS"] is dashboard.WORDS
    assert SURFACES["autograder.sinks.table.WORDS"] is table.WORDS


@pytest.mark.parametrize("name", SURFACES)
def test_every_word_of_a_surface_has_both_languages(name):
    assert untranslated(SURFACES[name]) == []


def test_every_mistake_has_both_languages_with_the_same_facts():
    problems = []
    for m in CATALOGUE.values():
        problems += [f"{m.id}: empty {field}" for field in ("en", "zh", "hint_en", "hint_zh")
                     if not getattr(m, field).strip()]
        for en, zh in ((m.en, m.zh), (m.hint_en, m.hint_zh)):
            if _placeholders(en) != _placeholders(zh):
                problems.append(f"{m.id}: {_placeholders(en)} in English, {_placeholders(zh)} in Chinese")
    assert problems == []


def _literal(node) -> str | None:
    """The text of a string or f-string literal, its fields as ``{}``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def facts_in_one_language(source: str, name: str = "<source>") -> list[str]:
    """The facts that judges give in words but not in both languages: ``x_en=`` without
    ``x_zh=`` (or the reverse), and an English phrase given as a plain fact, which a Chinese
    message would show as it is."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "fail"):
            continue
        given = {k.arg for k in node.keywords if k.arg}
        for k in node.keywords:
            if not k.arg:
                continue
            suffix = k.arg[-3:]
            if suffix in ("_en", "_zh"):
                other = k.arg[:-3] + ("_zh" if suffix == "_en" else "_en")
                if other not in given:
                    problems.append(f"{name}:{node.lineno}: {k.arg} without {other}")
            elif (text := _literal(k.value)) is not None and english_in(text):
                problems.append(f"{name}:{node.lineno}: {k.arg}={text!r} is English only")
    return problems


def test_every_fact_given_in_words_is_given_in_both_languages():
    """A judge that names a fact in words (``which_en="every parameter"``) names it in Chinese
    too; otherwise the Chinese message would show the English words (or a "?")."""
    judges = [*sorted((ROOT / "autograder" / "spec").glob("*.py")), ROOT / "autograder" / "grader" / "judge.py"]
    problems = [p for path in judges for p in facts_in_one_language(path.read_text(encoding="utf-8"), path.name)]
    assert problems == []


def test_no_english_sentence_in_any_chinese_text():
    found = {where: english_in(text) for where, text in _zh_texts()}
    assert {where: runs for where, runs in found.items() if runs} == {}


def test_the_checks_catch_a_missing_translation_and_an_english_sentence():
    """The tests above would pass vacuously if their checks could not see what they look for."""
    assert untranslated({"en": {"a": "A", "b": "B"}, "zh": {"a": "甲"}}) == ["'b' has no 'zh' text"]
    assert untranslated({"en": {"a": "A"}}) == ["no 'zh' words"]
    assert untranslated({"en": {"a": "{n} of {n}"}, "zh": {"a": "全部"}})
    assert untranslated({"en": {"a": "A"}, "zh": {"a": ""}}) == ["'a' has no 'zh' text"]
    assert facts_in_one_language('fail("sgd.no_zero_grad", which_en="every parameter")')
    assert facts_in_one_language('fail("x", detail=f", giving shape {s}")')
    assert not facts_in_one_language('fail("x", which_en="every parameter", which_zh="每个参数", n=f"{k}")')
    # the very message the issue found half English, as it once was in the catalogue
    assert english_in("`sgd` 之后，every parameter 的梯度仍然存在")
    assert english_in("{function}：the hint students get")
    assert not english_in("`sgd` 之后，{which} 的梯度仍然存在：`param.grad.zero_()`")
    assert all(english_in(text) for text in dashboard.WORDS["en"].values() if len(text.split()) >= 3)


def test_the_half_english_sgd_message_is_chinese(grade, zh):
    """"`sgd` 之后，every parameter 的梯度…": the parameters, all of them, named in Chinese."""
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    [result] = [r for r in grade(mutant.source(), settings=zh).results if r.id == "sgd.zero_grad"]
    assert result.mistake == "sgd.no_zero_grad"
    assert "之后，每个参数 的梯度" in result.message and "every" not in result.message


def _course():
    from autograder import course
    return course.load(ROOT / "course.yaml")


def _reports():
    from autograder.model import CheckResult, Report
    ok = CheckResult("sgd.update", "sgd", "sgd: updates", True, 2.0, 2.0, "public", None, "Passed.", 7)
    bad = CheckResult("squared_loss.reshape", "squared_loss", "squared_loss: reshapes", False, 0.0, 1.0,
                      "public", "squared_loss.no_reshape", "...", 7)
    return [Report("alice", "alice.py", "ab" * 32, (ok, bad), seconds=0.5),
            Report("bob", "bob.py", "cd" * 32, (ok,), seconds=0.25)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_speaks_the_course_language(tmp_path, course, language):
    page = dashboard.render({r.submission_id: r for r in _reports()}, course, tmp_path / "results",
                            tmp_path / "report.html", language)
    words, other = dashboard.WORDS[language], dashboard.WORDS["zh" if language == "en" else "en"]
    assert f'<html lang="{language}">' in page
    for key in ("scores", "score_axis", "students_axis", "rates", "rates_axis", "mistakes", "failing"):
        assert f">{words[key]}<" in page, key         # plot titles and axis labels too (SVG text)
        assert f">{other[key]}<" not in page, key
    hint = CATALOGUE["squared_loss.no_reshape"].text(language, {})[1]
    assert hint.split("`")[0] in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_terminal_speaks_the_course_language(language):
    words, other = table.WORDS[language], table.WORDS["zh" if language == "en" else "en"]
    text = table.render(_reports(), language)
    head, rule, *_ = text.splitlines()
    assert head.startswith(words["submission"]) and head.endswith(words["total"])
    assert len(rule) == table.width(head)                 # a Chinese word is two columns wide
    assert f"{words['mistakes']}: squared_loss.no_reshape" in text
    summary = Summary()
    for r in _reports():
        summary.add(r, False)
    line = summary.line(language)
    assert line.startswith("autograder: ") and line != other["summary"]
    assert (english_in(line) == []) == (language == "zh")


def test_chinese_plot_labels_are_laid_out_in_an_installed_cjk_font(monkeypatch):
    """matplotlib's font cache may be older than the CJK font (make system-packages installs it
    after a first run): the font is then found in the system's font folders all the same."""
    from matplotlib import font_manager

    from autograder.sinks import figures
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [f for f in font_manager.fontManager.ttflist if f.name not in figures.CJK_FAMILIES])
    figures.cjk_fonts.cache_clear()
    try:
        found = figures.cjk_fonts()
    finally:
        figures.cjk_fonts.cache_clear()
    assert found, "no CJK font found (make system-packages installs fonts-wqy-zenhei)"
    page = dashboard.render({r.submission_id: r for r in _reports()}, _course(), Path("results"),
                            Path("report.html"), "zh")
    assert f"font-family: '{found[0]}'" in page


def test_the_notes_about_cells_are_chinese(grade, zh):
    """A statement that raises and a cell that fails: what the program said stays quoted."""
    from tests.conftest import REFERENCE, notebook
    source = notebook([REFERENCE, "import nonexistent_module_xyz\nx = 1", "raise ValueError('boom')"])
    report = grade(source, kind="ipynb", settings=zh)
    assert len(report.notes) == 2, report.notes
    for note in report.notes:
        assert not english_in(note), note
        assert re.search(r"[\u4e00-\u9fff]", note) and "「" in note, note
    assert "第 2 个代码单元格" in report.notes[0] and "ModuleNotFoundError" in report.notes[0]
