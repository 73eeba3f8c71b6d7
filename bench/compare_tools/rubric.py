"""The rubric that bench/compare_tools.py gives nbgrader and otter-grader.

One test per check of course.yaml, with the same name (and the points that
course.yaml gives it), written as plain Python that runs in the student's own
namespace after the student's cells, the way both tools run their tests. Each
test checks roughly what our grader's check of the same name checks, on fixed
seeds. An expression statement whose value is not None would be printed, which
a doctest (otter's OK format) counts as a failure, so every such call is
assigned to `_`.
"""

TESTS = {
    "synthetic_data.returns": """
_ = torch.manual_seed(0)
out = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 100)
assert isinstance(out, tuple) and len(out) == 2, type(out)
assert all(isinstance(t, torch.Tensor) for t in out)
""",
    "synthetic_data.shapes": """
_ = torch.manual_seed(0)
for k, n in ((1, 37), (3, 50), (5, 13)):
    X, y = synthetic_data(torch.randn(k), 0.5, n)
    assert X.shape == (n, k) and y.shape == (n, 1), (X.shape, y.shape)
    assert X.dtype == torch.float32 and y.dtype == torch.float32
""",
    "synthetic_data.features": """
_ = torch.manual_seed(0)
X, y = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 20000)
assert abs(X.mean().item()) < 0.05 and abs(X.std().item() - 1) < 0.05
""",
    "synthetic_data.labels": """
_ = torch.manual_seed(0)
w = torch.tensor([2.0, -3.4, 1.5])
X, y = synthetic_data(w, 4.2, 20000)
noise = y.reshape(-1) - (X @ w + 4.2)
assert abs(noise.mean().item()) < 0.001 and 0.009 < noise.std().item() < 0.011
""",
    "data_iter.batches": """
X = torch.arange(46, dtype=torch.float32).reshape(23, 2)
y = torch.arange(23, dtype=torch.float32).reshape(23, 1)
sizes = [len(bx) for bx, by in data_iter(5, X, y)]
assert sizes == [5, 5, 5, 5, 3], sizes
""",
    "data_iter.each_once": """
X = torch.arange(23, dtype=torch.float32).reshape(23, 1)
seen = torch.cat([bx.reshape(-1) for bx, by in data_iter(4, X, 2 * X)])
assert sorted(seen.tolist()) == list(range(23))
""",
    "data_iter.aligned": """
X = torch.arange(23, dtype=torch.float32).reshape(23, 1)
for bx, by in data_iter(4, X, 2 * X):
    assert torch.equal(by, 2 * bx)
""",
    "data_iter.shuffled": """
random.seed(0)
_ = torch.manual_seed(0)
X = torch.arange(100, dtype=torch.float32).reshape(100, 1)
order = torch.cat([bx.reshape(-1) for bx, by in data_iter(10, X, X)]).tolist()
assert order != list(range(100))
""",
    "data_iter.fresh_order": """
random.seed(1)
_ = torch.manual_seed(1)
X = torch.arange(100, dtype=torch.float32).reshape(100, 1)
first = torch.cat([bx.reshape(-1) for bx, by in data_iter(10, X, X)]).tolist()
second = torch.cat([bx.reshape(-1) for bx, by in data_iter(10, X, X)]).tolist()
assert first != second
""",
    "linreg.value": """
_ = torch.manual_seed(0)
X, w, b = torch.randn(7, 3), torch.randn(3, 1), torch.randn(1)
out = linreg(X, w, b)
assert out.shape == (7, 1) and torch.allclose(out, X @ w + b, atol=1e-5)
""",
    "linreg.autograd": """
_ = torch.manual_seed(0)
X = torch.randn(7, 3)
w = torch.randn(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
linreg(X, w, b).sum().backward()
assert torch.allclose(w.grad, X.sum(0).reshape(3, 1), atol=1e-5)
assert torch.allclose(b.grad, torch.tensor([7.0]))
""",
    "squared_loss.elementwise": """
_ = torch.manual_seed(0)
y_hat, y = torch.randn(6, 1), torch.randn(6, 1)
loss = squared_loss(y_hat, y)
assert loss.shape == (6, 1) and torch.allclose(loss, (y_hat - y) ** 2 / 2)
""",
    "squared_loss.reshape": """
_ = torch.manual_seed(0)
y_hat, y = torch.randn(6, 1), torch.randn(6)
loss = squared_loss(y_hat, y)
assert loss.shape == (6, 1), loss.shape
assert torch.allclose(loss, (y_hat - y.reshape(6, 1)) ** 2 / 2)
""",
    "sgd.update": """
_ = torch.manual_seed(0)
w = torch.randn(3, 1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
gw, gb = torch.randn(3, 1), torch.randn(1)
w.grad, b.grad = gw.clone(), gb.clone()
w0, b0 = w.detach().clone(), b.detach().clone()
sgd([w, b], 0.1, 4)
assert torch.allclose(w.detach(), w0 - 0.1 * gw / 4)
assert torch.allclose(b.detach(), b0 - 0.1 * gb / 4)
""",
    "sgd.in_place": """
_ = torch.manual_seed(0)
w = torch.randn(3, 1, requires_grad=True)
w.grad = torch.ones(3, 1)
params, address = [w], w.data_ptr()
sgd(params, 0.1, 2)
assert params[0] is w and w.data_ptr() == address
assert w.requires_grad and w.is_leaf
""",
    "sgd.zero_grad": """
_ = torch.manual_seed(0)
w = torch.randn(3, 1, requires_grad=True)
w.grad = torch.ones(3, 1)
sgd([w], 0.1, 2)
assert w.grad is None or int(torch.count_nonzero(w.grad)) == 0
""",
    "training.converges": """
random.seed(0)
_ = torch.manual_seed(0)
true_w, true_b = torch.tensor([2, -3.4]), 4.2
features, labels = synthetic_data(true_w, true_b, 1000)
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr, num_epochs, batch_size = 0.03, 3, 10
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        squared_loss(linreg(X, w, b), y).sum().backward()
        sgd([w, b], lr, batch_size)
assert (w.detach().reshape(-1) - true_w).abs().max().item() < 0.01
assert abs(b.item() - true_b) < 0.01
""",
}
