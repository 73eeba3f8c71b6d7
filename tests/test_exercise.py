import ast

import pytest

from autograder import FUNCTIONS, exercise
from tests.conftest import ROOT

STUB = ROOT / "exercises" / "linreg.py"


def test_the_stub_and_both_notebooks_are_built_from_the_one_source():
    for name, text in exercise.outputs().items():
        assert (ROOT / "exercises" / name).read_text(encoding="utf-8") == text, \
            f"exercises/{name} is out of date: run python -m autograder.exercise"


def test_the_py_stub_builds_the_english_notebook_too():
    assert exercise.render(STUB.read_text(encoding="utf-8")) == \
        (ROOT / "exercises" / "linreg.ipynb").read_text(encoding="utf-8")


def _stubs(source: str) -> dict:
    tree = ast.parse(source)
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("language", exercise.LANGUAGES)
def test_each_stub_raises_not_implemented_and_states_its_contract(language):
    code = "\n".join(text for kind, text in exercise.cells_of(exercise.SOURCE.read_text(encoding="utf-8"),
                                                             language) if kind == "code")
    defs = _stubs(code)
    assert set(defs) == set(FUNCTIONS)
    for name, node in defs.items():
        assert len(ast.get_docstring(node) or "") > (60 if language == "en" else 25), name
        raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise)]
        assert raises and "NotImplementedError" in ast.unparse(raises[0]), name


def test_the_two_notebooks_teach_the_same_chapter_in_its_order():
    """Same cells in the same order: a Markdown explanation, a stub, its check; only the
    words differ. The zh notebook's prose is Chinese and its check() speaks Chinese."""
    source = exercise.SOURCE.read_text(encoding="utf-8")
    en, zh = (exercise.cells_of(source, lang) for lang in ("en", "zh"))
    assert [k for k, _ in en] == [k for k, _ in zh]
    code_en = [t for k, t in en if k == "code"]
    code_zh = [t for k, t in zh if k == "code"]
    assert [t for t in code_en if t.startswith("check(")] == [t for t in code_zh if t.startswith("check(")]
    order = [t.split("(")[0].split()[-1] for t in code_en if t.startswith(("def ", "check("))]
    assert order == ["synthetic_data", "check", "data_iter", "check", "linreg", "check", "squared_loss",
                     "check", "sgd", "check", "check", "check"]
    assert code_en[-3] == 'check("training")' and "plt." in code_en[-2] and code_en[-1] == "check()"
    assert "from autograder.zh import check" in code_zh[0]
    for (_, a), (_, b) in zip((c for c in en if c[0] == "markdown"), (c for c in zh if c[0] == "markdown")):
        assert a != b and any("\u4e00" <= ch <= "\u9fff" for ch in b), b[:60]


def test_a_cell_marker_that_is_not_understood_is_an_error_that_quotes_it():
    with pytest.raises(ValueError, match="cell marker not understood: '# %% \\[markdwn\\]'"):
        exercise.cells_of("# %% [markdwn]\n# text\n")


def test_stub_scores_zero_and_each_function_says_it_is_still_the_stub(grade):
    report = grade((ROOT / "exercises" / "linreg.ipynb").read_text(encoding="utf-8"), kind="ipynb")
    assert report.score == 0
    for r in report.results:
        assert r.mistake in ("any.not_implemented", "training.needs_functions") or \
            r.function == "training", (r.name, r.mistake)


def test_reference_solution_filled_into_the_notebook_gets_full_marks(grade):
    """The stub notebook's own cells (check() calls, the training cell) run fine when solved."""
    source = STUB.read_text(encoding="utf-8")
    reference = (ROOT / "solutions" / "linreg.py").read_text(encoding="utf-8")
    ref_defs = {n.name: ast.get_source_segment(reference, n)
                for n in ast.parse(reference).body if isinstance(n, ast.FunctionDef)}
    stub_defs = {n.name: ast.get_source_segment(source, n)
                 for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    for name, segment in stub_defs.items():
        source = source.replace(segment, ref_defs[name])
    report = grade(exercise.render(source), kind="ipynb")
    assert report.score == report.max_score, [r.message for r in report.results if not r.passed]
