"""check("name") in a notebook: the same public verdicts and messages as the grader."""
import pytest

from autograder import check
from tests.conftest import REFERENCE, ROOT
from samples.mutants import MUTANTS


def namespace(source):
    ns = {"__name__": "student"}
    exec(compile(source, "<notebook>", "exec"), ns)
    return ns


def test_reference_passes(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    summary = check("sgd", namespace(REFERENCE), config=ROOT / "course.yaml")
    assert summary.passed and "✅" in repr(summary)


def test_a_mistake_is_named_as_the_grader_names_it(monkeypatch, grade):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    summary = check("sgd", namespace(mutant.source()), config=ROOT / "course.yaml")
    assert not summary.passed
    failed = [r for r in summary.results if not r.passed]
    assert [r.mistake for r in failed] == ["sgd.no_zero_grad"]
    graded = [r for r in grade(mutant.source()).results if r.id == failed[0].id][0]
    assert graded.message == failed[0].message
    assert "sgd.no_zero_grad" in summary._repr_markdown_()


def test_only_public_checks_run(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    summary = check("squared_loss", namespace(REFERENCE), config=ROOT / "course.yaml")
    assert [r.id for r in summary.results] == ["squared_loss.elementwise"]


def test_a_hang_costs_one_probe_limit_not_the_kernel(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    (tmp_path / "course.yaml").write_text("limits: {probe_seconds: 0.5}\n")
    ns = namespace(REFERENCE + "\ndef linreg(X, w, b):\n    while True:\n        pass\n")
    summary = check("linreg", ns, config=tmp_path / "course.yaml")
    assert {r.mistake for r in summary.results} == {"any.timed_out"}


def test_does_nothing_while_grading(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_GRADING", "1")
    assert check("sgd", {}) is None


def test_unknown_name(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    with pytest.raises(ValueError, match="expected one of"):
        check("sdg", {})


def test_the_real_d2ls_linreg_is_named_in_check(monkeypatch, tmp_path):
    """In a student's kernel d2l is the book's real package: its functions live in d2l.torch."""
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    package = tmp_path / "d2l"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "torch.py").write_text("import torch\n\n\ndef linreg(X, w, b):\n"
                                      "    return torch.matmul(X, w) + b\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("d2l", "d2l.torch"):
        monkeypatch.delitem(__import__("sys").modules, name, raising=False)
    ns = namespace(REFERENCE + "\nfrom d2l import torch as d2l\nlinreg = d2l.linreg\n")
    summary = check("linreg", ns, config=ROOT / "course.yaml")
    assert {r.mistake for r in summary.results} == {"any.uses_d2l"}
    assert check("linreg", namespace(REFERENCE), config=ROOT / "course.yaml").passed
