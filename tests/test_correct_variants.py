"""Correct solutions written differently get full marks: behaviour, never source text."""
import pytest

from tests.conftest import REFERENCE, notebook
from samples.mutants import replace_function
from samples.variants import VARIANTS

@pytest.mark.parametrize("name", list(VARIANTS))
def test_correct_variant_gets_full_marks(grade, name):
    function, source = VARIANTS[name]
    old, new = replace_function(function, source)
    report = grade(REFERENCE.replace(old, new))
    lost = [f"{r.name}: {r.message}" for r in report.results if not r.passed]
    assert not lost, "\n".join(lost)
    assert report.score == report.max_score


def test_all_variants_together_in_a_notebook_with_magics_and_d2l(grade):
    """A notebook as students write it: magics, the d2l import, top-level training."""
    source = REFERENCE
    for function, body in VARIANTS.values():
        if f"def {function}(" in source:
            old, new = replace_function(function, body)
            if old in source:
                source = source.replace(old, new)
    cells = [
        "%matplotlib inline\nimport random\nimport torch\nfrom d2l import torch as d2l",
        "!pip install d2l==1.0.3",
        source,
        "%%time\ntrue_w = torch.tensor([2, -3.4])\ntrue_b = 4.2\n"
        "features, labels = synthetic_data(true_w, true_b, 1000)",
        "from autograder import check\ncheck('sgd')\nimport matplotlib.pyplot as plt",
        "w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)\nb = torch.zeros(1, requires_grad=True)\n"
        "for epoch in range(3):\n    for X, y in data_iter(10, features, labels):\n"
        "        l = squared_loss(linreg(X, w, b), y)\n        l.sum().backward()\n"
        "        sgd([w, b], 0.03, 10)\nprint(w, b)",
    ]
    report = grade(notebook(cells), kind="ipynb")
    assert report.score == report.max_score, [r.message for r in report.results if not r.passed]
    # The book's d2l imports (the sandbox's stand-in), check() does nothing while grading, and
    # the magics are skipped: every statement ran, so there is nothing to note.
    assert report.notes == (), report.notes
