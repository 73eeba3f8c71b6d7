"""The chapter's code as the book prints it (D2L 3.2, PyTorch), copied as a student would.

Three versions: d2l-en of 2021-03, d2l-en of 2020-08 (the `d2l.*` tensor aliases) and
d2l-zh (Chinese comments and prints). Each is a list of the book's code cells, so that a
test can grade it as a notebook (the cells) and as a .py (the cells joined, with the
magic commented out as an export leaves it).
"""
from __future__ import annotations

EN_2021 = [
    "%matplotlib inline\nimport random\nimport torch\nfrom d2l import torch as d2l",
    '''def synthetic_data(w, b, num_examples):  #@save
    """Generate y = Xw + b + noise."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))''',
    "true_w = torch.tensor([2, -3.4])\ntrue_b = 4.2\nfeatures, labels = synthetic_data(true_w, true_b, 1000)",
    "print('features:', features[0],'\\nlabel:', labels[0])",
    "d2l.set_figsize()\n# The semicolon is for displaying the plot only\n"
    "d2l.plt.scatter(features[:, (1)].detach().numpy(), labels.detach().numpy(), 1);",
    '''def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    # The examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(
            indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]''',
    "batch_size = 10\n\nfor X, y in data_iter(batch_size, features, labels):\n    print(X, '\\n', y)\n    break",
    "w = torch.normal(0, 0.01, size=(2,1), requires_grad=True)\nb = torch.zeros(1, requires_grad=True)",
    '''def linreg(X, w, b):  #@save
    """The linear regression model."""
    return torch.matmul(X, w) + b''',
    '''def squared_loss(y_hat, y):  #@save
    """Squared loss."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2''',
    '''def sgd(params, lr, batch_size):  #@save
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()''',
    "lr = 0.03\nnum_epochs = 3\nnet = linreg\nloss = squared_loss",
    '''for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = loss(net(X, w, b), y)  # Minibatch loss in `X` and `y`
        # Compute gradient on `l` with respect to [`w`, `b`]
        l.sum().backward()
        sgd([w, b], lr, batch_size)  # Update parameters using their gradient
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')''',
    "print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')\n"
    "print(f'error in estimating b: {true_b - b}')",
]

# d2l-en of 2020-08: the framework-neutral aliases of d2l
EN_2020 = [
    "%matplotlib inline\nfrom d2l import torch as d2l\nimport torch\nimport random",
    '''def synthetic_data(w, b, num_examples):  #@save
    """Generate y = Xw + b + noise."""
    X = d2l.normal(0, 1, (num_examples, len(w)))
    y = d2l.matmul(X, w) + b
    y += d2l.normal(0, 0.01, y.shape)
    return X, d2l.reshape(y, (-1, 1))''',
    "true_w = d2l.tensor([2, -3.4])\ntrue_b = 4.2\nfeatures, labels = synthetic_data(true_w, true_b, 1000)",
    "print('features:', features[0],'\\nlabel:', labels[0])",
    "d2l.set_figsize()\nd2l.plt.scatter(d2l.numpy(features[:, 1]), d2l.numpy(labels), 1);",
    '''def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    # The examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = d2l.tensor(
            indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]''',
    "batch_size = 10\n\nfor X, y in data_iter(batch_size, features, labels):\n    print(X, '\\n', y)\n    break",
    "w = d2l.normal(0, 0.01, size=(2,1), requires_grad=True)\nb = d2l.zeros(1, requires_grad=True)",
    '''def linreg(X, w, b):  #@save
    """The linear regression model."""
    return d2l.matmul(X, w) + b''',
    '''def squared_loss(y_hat, y):  #@save
    """Squared loss."""
    return (y_hat - d2l.reshape(y, y_hat.shape)) ** 2 / 2''',
    '''def sgd(params, lr, batch_size):  #@save
    """Minibatch stochastic gradient descent."""
    for param in params:
        param.data.sub_(lr*param.grad/batch_size)
        param.grad.data.zero_()''',
    '''lr = 0.03
num_epochs = 3
net = linreg
loss = squared_loss

for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = loss(net(X, w, b), y)  # Minibatch loss in `X` and `y`
        l.sum().backward()
        sgd([w, b], lr, batch_size)  # Update parameters using their gradient
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')''',
    "print(f'error in estimating w: {true_w - d2l.reshape(w, true_w.shape)}')\n"
    "print(f'error in estimating b: {true_b - b}')",
]

ZH = [
    "%matplotlib inline\nimport random\nimport torch\nfrom d2l import torch as d2l",
    '''def synthetic_data(w, b, num_examples):  #@save
    """生成y=Xw+b+噪声"""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))''',
    "true_w = torch.tensor([2, -3.4])\ntrue_b = 4.2\nfeatures, labels = synthetic_data(true_w, true_b, 1000)",
    "print('features:', features[0],'\\nlabel:', labels[0])",
    "d2l.set_figsize()\nd2l.plt.scatter(features[:, 1].detach().numpy(), labels.detach().numpy(), 1);",
    '''def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    # 这些样本是随机读取的，没有特定的顺序
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(
            indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]''',
    "batch_size = 10\n\nfor X, y in data_iter(batch_size, features, labels):\n    print(X, '\\n', y)\n    break",
    "w = torch.normal(0, 0.01, size=(2,1), requires_grad=True)\nb = torch.zeros(1, requires_grad=True)",
    '''def linreg(X, w, b):  #@save
    """线性回归模型"""
    return torch.matmul(X, w) + b''',
    '''def squared_loss(y_hat, y):  #@save
    """均方损失"""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2''',
    '''def sgd(params, lr, batch_size):  #@save
    """小批量随机梯度下降"""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()''',
    "lr = 0.03\nnum_epochs = 3\nnet = linreg\nloss = squared_loss",
    '''for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = loss(net(X, w, b), y)  # X和y的小批量损失
        # 因为l形状是(batch_size,1)，而不是一个标量。l中的所有元素被加到一起，
        # 并以此计算关于[w,b]的梯度
        l.sum().backward()
        sgd([w, b], lr, batch_size)  # 使用参数的梯度更新参数
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')''',
    "print(f'w的估计误差: {true_w - w.reshape(true_w.shape)}')\nprint(f'b的估计误差: {true_b - b}')",
]

BOOK = {"d2l-en 2021-03": EN_2021, "d2l-en 2020-08": EN_2020, "d2l-zh": ZH}


def as_py(cells: list[str]) -> str:
    """The cells as one .py, as a student pastes them: the magic commented out."""
    return "\n\n".join(c.replace("%matplotlib inline", "# %matplotlib inline") for c in cells) + "\n"
