"""The exercise's one source, in English and Chinese, in the "percent" format (Jupyter, VS Code, jupytext).

`python -m autograder.exercise` builds from it exercises/linreg.py, exercises/linreg.ipynb and
exercises/linreg.zh.ipynb. A cell marker may name a language (`# %% [markdown] en`, `# %% zh`);
a cell without one is in every language. What comes before the first marker is not a cell.
"""

# %% [markdown] en
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

# %% [markdown] zh
# # 线性回归的从零开始实现
#
# 《动手学深度学习》第 3.2 节（PyTorch）。我们只用张量和自动求导来实现线性回归：生成数据集、
# 读取小批量、定义模型、损失函数和优化算法，最后用一个训练循环把它们组合起来。
#
# 下面五个函数在你替换函数体之前都会抛出 `NotImplementedError`。每个函数后面的单元格运行
# `check("函数名")`：它像书中那样调用你的函数，用它自己的输入，指出发现的错误，并给出提示和
# 几行可以复现问题的代码。不带参数的 `check()` 检查全部五个函数和训练循环。正式评分时还会运行
# 少量其他检查，`check()` 会告诉你有几项。

# %% en
import random

import torch

from autograder import check

# %% zh
import random

import torch

from autograder.zh import check   # 用中文显示检查结果

# %% [markdown] en
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

# %% [markdown] zh
# ## 生成数据集
#
# 我们生成一个包含 1000 个样本的数据集，每个样本有两个从标准正态分布中采样的特征，标签由一个
# 带噪声的线性模型给出：
#
# $$\mathbf{y} = \mathbf{X}\mathbf{w} + b + \boldsymbol{\epsilon}, \qquad \epsilon \sim \mathcal{N}(0, 0.01^2).$$
#
# 真实参数是 `w = [2, -3.4]` 和 `b = 4.2`，训练应当找到与之接近的参数。标签要返回成一列，
# 形状为 `(num_examples, 1)`：一维向量在后面的广播中会带来意想不到的结果。

# %% en
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


# %% zh
def synthetic_data(w, b, num_examples):
    """生成 y = Xw + b + 噪声 的人造数据集。

    w：一维权重张量，例如 torch.tensor([2, -3.4])。
    b：偏置，一个 Python 浮点数。
    num_examples：样本（行）的数量。

    返回 (X, y)：X 的形状为 (num_examples, len(w))，元素取自标准正态分布 N(0, 1)；
    y = X w + b + 噪声，噪声取自 N(0, 0.01**2)，y 的形状为 (num_examples, 1)。
    """
    raise NotImplementedError("synthetic_data")


# %%
check("synthetic_data")

# %% [markdown] en
# ## Reading the data set
#
# Training passes over the data set many times, a minibatch at a time. `data_iter` shuffles
# the examples and yields them in batches of `batch_size`: each example exactly once per call,
# each row of features with its own label, in a new random order on every call. When the
# number of examples is not a multiple of `batch_size`, the last batch is smaller; keep it.

# %% [markdown] zh
# ## 读取数据集
#
# 训练时要多次遍历数据集，每次取一个小批量。`data_iter` 打乱样本，按 `batch_size` 分批产出：
# 每次调用时每个样本恰好出现一次，每行特征和它自己的标签在一起，而且每次调用的顺序都重新随机。
# 样本数不是 `batch_size` 的整数倍时，最后一批会小一些，要保留它。

# %% en
def data_iter(batch_size, features, labels):
    """Yield minibatches (X_batch, y_batch) of at most batch_size examples.

    Each call covers every example exactly once, in a fresh random order, and
    each feature row stays with its own label. The last batch may be smaller
    than batch_size; it is not dropped.
    """
    raise NotImplementedError("data_iter")


# %% zh
def data_iter(batch_size, features, labels):
    """产出小批量 (X_batch, y_batch)，每批最多 batch_size 个样本。

    每次调用都恰好覆盖每个样本一次，顺序重新随机，每行特征和它自己的标签保持对应。
    最后一批可以比 batch_size 小，不要丢掉它。
    """
    raise NotImplementedError("data_iter")


# %%
check("data_iter")

# %% [markdown] en
# ## Defining the model
#
# The model computes `X w + b`: a matrix-vector product of the features with the weights,
# plus the bias, broadcast over the rows. `w` has shape `(k, 1)` and `b` shape `(1,)`; both
# require gradients, so the result must stay connected to them for autograd.

# %% [markdown] zh
# ## 定义模型
#
# 模型计算 `X w + b`：特征与权重的矩阵-向量乘积，再加上偏置（按行广播）。`w` 的形状是
# `(k, 1)`，`b` 的形状是 `(1,)`，二者都需要梯度，所以结果必须在自动求导的计算图中与它们相连。

# %% en
def linreg(X, w, b):
    """Return X w + b, shape (n, 1), differentiable with respect to w and b.

    X has shape (n, k), w has shape (k, 1) and b has shape (1,).
    """
    raise NotImplementedError("linreg")


# %% zh
def linreg(X, w, b):
    """返回 X w + b，形状为 (n, 1)，并且可以对 w 和 b 求导。

    X 的形状为 (n, k)，w 的形状为 (k, 1)，b 的形状为 (1,)。
    """
    raise NotImplementedError("linreg")


# %%
check("linreg")

# %% [markdown] en
# ## Defining the loss function
#
# The squared loss of one example is $\frac{1}{2}(\hat{y} - y)^2$. Return it element-wise, one
# value per example, without summing or averaging. The labels may come as a flat vector of
# shape `(n,)` while the predictions have shape `(n, 1)`: subtracting those broadcasts to an
# `(n, n)` matrix. Reshape `y` to the shape of `y_hat` first.

# %% [markdown] zh
# ## 定义损失函数
#
# 单个样本的平方损失是 $\frac{1}{2}(\hat{y} - y)^2$。按元素返回，每个样本一个值，不要求和或
# 求平均。标签可能是形状为 `(n,)` 的一维向量，而预测的形状是 `(n, 1)`：二者相减会广播成
# `(n, n)` 的矩阵。先把 `y` 变形成 `y_hat` 的形状。

# %% en
def squared_loss(y_hat, y):
    """Return the element-wise squared loss (y_hat - y) ** 2 / 2.

    The result has the shape of y_hat: it is neither summed nor averaged.
    y may have shape (n,) or (n, 1): reshape it to y_hat's shape first.
    """
    raise NotImplementedError("squared_loss")


# %% zh
def squared_loss(y_hat, y):
    """返回按元素计算的平方损失 (y_hat - y) ** 2 / 2。

    结果的形状与 y_hat 相同：既不求和也不求平均。
    y 的形状可能是 (n,) 或 (n, 1)：先把它变形成 y_hat 的形状。
    """
    raise NotImplementedError("squared_loss")


# %%
check("squared_loss")

# %% [markdown] en
# ## Defining the optimization algorithm
#
# Minibatch stochastic gradient descent moves each parameter against its gradient:
# `param -= lr * param.grad / batch_size`. The loss of a batch is summed before
# `backward()`, so dividing by the batch size makes the step the gradient of the mean. Update
# in place under `torch.no_grad()`, so that the parameter stays the same leaf tensor, and zero
# its gradient afterwards: PyTorch adds new gradients to old ones.

# %% [markdown] zh
# ## 定义优化算法
#
# 小批量随机梯度下降让每个参数沿梯度的反方向移动：`param -= lr * param.grad / batch_size`。
# 一个批量的损失在 `backward()` 之前被求和，所以除以批量大小后，这一步就是平均损失的梯度。
# 在 `torch.no_grad()` 下原地更新，让参数仍是同一个叶子张量；更新之后把梯度清零：PyTorch
# 会把新的梯度累加到旧的梯度上。

# %% en
def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent.

    For each parameter in params, under torch.no_grad(), update it in place
    with param -= lr * param.grad / batch_size, then zero its gradient.
    Use the lr and batch_size that you are given. Return nothing.
    """
    raise NotImplementedError("sgd")


# %% zh
def sgd(params, lr, batch_size):
    """小批量随机梯度下降。

    对 params 中的每个参数，在 torch.no_grad() 下原地更新：
    param -= lr * param.grad / batch_size，然后把它的梯度清零。
    使用传入的 lr 和 batch_size，不返回任何值。
    """
    raise NotImplementedError("sgd")


# %%
check("sgd")

# %% [markdown] en
# ## Training
#
# The book's loop: three passes over the data, a minibatch at a time. For each batch, compute
# the loss of the model's prediction, sum it, call `backward()` to get the gradients of `w`
# and `b`, and take one `sgd` step. After each epoch it prints the loss on the whole data set;
# at the end, how far `w` and `b` are from the true parameters.

# %% [markdown] zh
# ## 训练
#
# 书中的训练循环：遍历数据三次，每次一个小批量。对每个小批量，计算模型预测的损失并求和，调用
# `backward()` 得到 `w` 和 `b` 的梯度，再用 `sgd` 更新一步。每个迭代周期结束时打印整个数据集
# 上的损失；最后打印 `w` 和 `b` 与真实参数的差距。

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

# %% [markdown] en
# ## The data and the fitted line
#
# The labels against the second feature, as in the book's figure, with the line that your
# parameters give (the first feature held at its mean, 0) and the true one.

# %% [markdown] zh
# ## 数据与拟合的直线
#
# 与书中的图一样，画出标签与第二个特征的关系，以及你的参数给出的直线（第一个特征取其均值 0）
# 和真实的直线。

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

# %% [markdown] en
# ## Check everything
#
# All five functions and the training loop, with two plots: your loss per epoch beside the
# reference's, and your fitted line against your data.

# %% [markdown] zh
# ## 全部检查
#
# 检查全部五个函数和训练循环，并画出两张图：你每个迭代周期的损失与参考实现的对比，以及你拟合的
# 直线与你的数据。

# %%
check()
