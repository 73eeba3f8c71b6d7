# %% [markdown]
# # Linear regression from scratch
#
# *Dive into Deep Learning*, section 3.2 (PyTorch). You will build linear regression out of
# tensors and autograd alone: a data set, a reader of minibatches, the model, the loss and the
# optimizer, then a training loop that puts them together.
#
# Each of the five functions raises `NotImplementedError` until you replace its body. The cell
# after it runs `check("name")`: it calls your function the way the book does, on inputs of its
# own, and says which mistake it finds, with a hint and a few lines that reproduce it. `check()`
# with no name checks all five and the training loop. A few more checks run only when your work
# is graded; `check()` says how many.

# %%
import random

import torch

from autograder import check

# %% [markdown]
# ## Generating the data set
#
# We make a data set of 1000 examples with two features each, drawn from the standard normal
# distribution, and labels from a linear model with noise:
#
# $$\mathbf{y} = \mathbf{X}\mathbf{w} + b + \boldsymbol{\epsilon}, \qquad \epsilon \sim \mathcal{N}(0, 0.01^2).$$
#
# With the true `w = [2, -3.4]` and `b = 4.2`, training should find parameters close to these.
# Return the labels as a column, of shape `(num_examples, 1)`: a flat vector broadcasts in
# surprising ways later on.

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
#
# Training passes over the data set many times, a minibatch at a time. `data_iter` shuffles
# the examples and yields them in batches of `batch_size`: each example exactly once per call,
# each row of features with its own label, in a new random order on every call. When the
# number of examples is not a multiple of `batch_size`, the last batch is smaller; keep it.

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
#
# The model computes `X w + b`: a matrix-vector product of the features with the weights,
# plus the bias, broadcast over the rows. `w` has shape `(k, 1)` and `b` shape `(1,)`; both
# require gradients, so the result must stay connected to them for autograd.

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
#
# The squared loss of one example is $\frac{1}{2}(\hat{y} - y)^2$. Return it element-wise, one
# value per example, without summing or averaging. The labels may come as a flat vector of
# shape `(n,)` while the predictions have shape `(n, 1)`: subtracting those broadcasts to an
# `(n, n)` matrix. Reshape `y` to the shape of `y_hat` first.

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
#
# Minibatch stochastic gradient descent moves each parameter against its gradient:
# `param -= lr * param.grad / batch_size`. The loss of a batch is summed before
# `backward()`, so dividing by the batch size makes the step the gradient of the mean. Update
# in place under `torch.no_grad()`, so that the parameter stays the same leaf tensor, and zero
# its gradient afterwards: PyTorch adds new gradients to old ones.

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
#
# The book's loop: three passes over the data, a minibatch at a time. For each batch, compute
# the loss of the model's prediction, sum it, call `backward()` to get the gradients of `w`
# and `b`, and take one `sgd` step. After each epoch it prints the loss on the whole data set;
# at the end, how far `w` and `b` are from the true parameters.

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

# %% [markdown]
# ## The data and the fitted line
#
# The labels against the second feature, as in the book's figure, with the line that your
# parameters give (the first feature held at its mean, 0) and the true one.

# %%
if __name__ == "__main__":
    import matplotlib.pyplot as plt

    with torch.no_grad():
        x2 = features[:, 1]
        line = torch.linspace(float(x2.min()), float(x2.max()), 2)
        plt.figure(figsize=(4.5, 3))
        plt.scatter(x2, labels.reshape(-1), s=2, alpha=0.4, label="data")
        plt.plot(line, float(w[1]) * line + float(b), color="C1", label="fitted")
        plt.plot(line, float(true_w[1]) * line + true_b, "k--", linewidth=1, label="true")
        plt.xlabel("x2")
        plt.ylabel("y")
        plt.legend()
        plt.show()

# %% [markdown]
# ## Check everything
#
# All five functions and the training loop, with two plots: your loss per epoch beside the
# reference's, and your fitted line against your data.

# %%
check()
