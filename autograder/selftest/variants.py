"""Correct implementations written differently from the reference: each must get full marks (selftest, tests)."""

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
