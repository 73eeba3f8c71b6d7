# %% [markdown]
# # Linear regression from scratch
#
# Dive into Deep Learning, section 3.2 (PyTorch). Fill in the five functions below.
# Each one raises `NotImplementedError` until you replace its body. Run
# `check("name")` after a function to see whether it behaves as the book expects.

# %%
import random

import torch

from autograder import check


# %% [markdown]
# ## Generating the data set

# %%
def synthetic_data(w, b, num_examples):
    """Generate a synthetic data set for y = Xw + b + noise.

    w: a 1-D tensor of weights, such as torch.tensor([2, -3.4]).
    b: the bias, a Python float.
    num_examples: the number of rows.

    Returns (X, y): X has shape (num_examples, len(w)) with entries drawn from
    the standard normal distribution N(0, 1); y = X w + b + noise, where the
    noise is drawn from N(0, 0.01**2), and y has shape (num_examples, 1).
    """
    raise NotImplementedError("synthetic_data")


# %%
check("synthetic_data")

# %% [markdown]
# ## Reading the data set

# %%
def data_iter(batch_size, features, labels):
    """Yield minibatches (X_batch, y_batch) of at most batch_size examples.

    Each call covers every example exactly once, in a fresh random order, and
    each feature row stays with its own label. The last batch may be smaller
    than batch_size; it is not dropped.
    """
    raise NotImplementedError("data_iter")


# %%
check("data_iter")

# %% [markdown]
# ## Defining the model

# %%
def linreg(X, w, b):
    """Return X w + b, shape (n, 1), differentiable with respect to w and b.

    X has shape (n, k), w has shape (k, 1) and b has shape (1,).
    """
    raise NotImplementedError("linreg")


# %%
check("linreg")

# %% [markdown]
# ## Defining the loss function

# %%
def squared_loss(y_hat, y):
    """Return the element-wise squared loss (y_hat - y) ** 2 / 2.

    The result has the shape of y_hat: it is neither summed nor averaged.
    y may have shape (n,) or (n, 1): reshape it to y_hat's shape first.
    """
    raise NotImplementedError("squared_loss")


# %%
check("squared_loss")

# %% [markdown]
# ## Defining the optimization algorithm

# %%
def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent.

    For each parameter in params, under torch.no_grad(), update it in place
    with param -= lr * param.grad / batch_size, then zero its gradient.
    Use the lr and batch_size that you are given. Return nothing.
    """
    raise NotImplementedError("sgd")


# %%
check("sgd")

# %% [markdown]
# ## Training

# %%
if __name__ == "__main__":
    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = synthetic_data(true_w, true_b, 1000)

    w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.03
    num_epochs = 3
    net = linreg
    loss = squared_loss
    batch_size = 10

    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            l = loss(net(X, w, b), y)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
        with torch.no_grad():
            train_l = loss(net(features, w, b), labels)
            print(f"epoch {epoch + 1}, loss {float(train_l.mean()):f}")

    print(f"error in estimating w: {true_w - w.reshape(true_w.shape)}")
    print(f"error in estimating b: {true_b - b}")

# %%
check("training")
