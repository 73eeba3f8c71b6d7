import ast

from autograder import FUNCTIONS, exercise
from tests.conftest import ROOT

STUB = ROOT / "exercises" / "linreg.py"


def test_notebook_is_built_from_the_py_stub():
    built = exercise.render(STUB.read_text(encoding="utf-8"))
    assert (ROOT / "exercises" / "linreg.ipynb").read_text(encoding="utf-8") == built, \
        "run: python -m autograder.exercise exercises/linreg.py exercises/linreg.ipynb"


def test_each_stub_raises_not_implemented_and_states_its_contract():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(defs) == set(FUNCTIONS)
    for name, node in defs.items():
        assert len(ast.get_docstring(node) or "") > 60, name
        raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise)]
        assert raises and "NotImplementedError" in ast.unparse(raises[0]), name


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
