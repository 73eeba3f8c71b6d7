"""Correct solutions written differently get full marks: behaviour, never source text."""
import pytest

from tests.conftest import REFERENCE, notebook
from tests.mutants import replace_function

VARIANTS = {
    "randperm": ("data_iter", '''
def data_iter(batch_size, features, labels):
    n = features.shape[0]
    order = torch.randperm(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield features[idx], labels[idx]
'''),
    "numpy indices": ("data_iter", '''
def data_iter(batch_size, features, labels):
    import numpy as np
    idx = np.random.permutation(len(features))
    for i in range(0, len(idx), batch_size):
        j = idx[i:i + batch_size]
        yield features[j], labels[j]
'''),
    "list of batches": ("data_iter", '''
def data_iter(batch_size, features, labels):
    perm = torch.randperm(len(labels)).tolist()
    chunks = [perm[i:i + batch_size] for i in range(0, len(perm), batch_size)]
    return [(features[torch.tensor(c)], labels[torch.tensor(c)]) for c in chunks]
'''),
    "@ operator": ("linreg", '''
def linreg(X, w, b):
    return X @ w + b
'''),
    "torch.mm": ("linreg", '''
def linreg(X, w, b):
    return torch.mm(X, w) + b
'''),
    "torch.mv with a reshape": ("linreg", '''
def linreg(X, w, b):
    return (torch.mv(X, w.reshape(-1)) + b).reshape(-1, 1)
'''),
    "grad = None": ("sgd", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad = None
'''),
    "sub_": ("sgd", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for p in params:
            p.sub_(lr * p.grad / batch_size)
            p.grad.zero_()
'''),
    ".data without no_grad": ("sgd", '''
def sgd(params, lr, batch_size):
    for param in params:
        param.data -= lr * param.grad / batch_size
        param.grad.data.zero_()
'''),
    ".data rebinding the storage": ("sgd", '''
def sgd(params, lr, batch_size):
    for param in params:
        param.data = param.data - lr * param.grad.data / batch_size
        param.grad = None
'''),
    "view and pow": ("squared_loss", '''
def squared_loss(y_hat, y):
    return 0.5 * (y_hat - y.view(y_hat.shape)).pow(2)
'''),
    "randn and @": ("synthetic_data", '''
def synthetic_data(w, b, num_examples):
    X = torch.randn(num_examples, w.shape[0])
    y = X @ w + b + 0.01 * torch.randn(num_examples)
    return X, y.reshape(-1, 1)
'''),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_correct_variant_gets_full_marks(grade, name):
    function, source = VARIANTS[name]
    old, new = replace_function(function, source)
    report = grade(REFERENCE.replace(old, new))
    lost = [f"{r.name}: {r.output}" for r in report.results if not r.passed]
    assert not lost, "\n".join(lost)
    assert report.score == report.max_score


def test_all_variants_together_in_a_notebook_with_magics_and_d2l(grade):
    """A notebook as students write it: magics, a failing d2l import, top-level training."""
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
    assert report.score == report.max_score, [r.output for r in report.results if not r.passed]
    assert any("d2l" in note for note in report.output)
