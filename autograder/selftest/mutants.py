"""The catalogue of named mistakes: one small wrong implementation of the reference per mistake.

Each mutant is the reference solution with one edit, or with one function
replaced. `expected` is the mistake id the grader must name, in `function`.
`autograder selftest` grades them all; so do the tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# the reference solution, shipped beside the catalogue (the checkout keeps the same file in solutions/)
REFERENCE = (Path(__file__).parent / "reference.py").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Mutant:
    name: str
    function: str
    expected: str          # the mistake id the grader must report
    old: str               # text of the reference to replace (must occur exactly once)
    new: str

    def source(self) -> str:
        if REFERENCE.count(self.old) != 1:
            raise ValueError(f"mutant {self.name!r}: {self.old!r} must occur exactly once in the reference")
        return REFERENCE.replace(self.old, self.new)


def replace_function(name: str, new_source: str) -> tuple[str, str]:
    """(old, new) that swap the reference's whole function `name` for new_source."""
    start = REFERENCE.index(f"def {name}(")
    end = REFERENCE.find("\n\n\ndef ", start)
    old = REFERENCE[start:] if end < 0 else REFERENCE[start:end]
    return old, new_source.strip("\n")


SGD_NO_NO_GRAD = '''
def sgd(params, lr, batch_size):
    for param in params:
        param -= lr * param.grad / batch_size
        param.grad.zero_()
'''

MUTANTS = [
    # synthetic_data
    Mutant("flat labels", "synthetic_data", "synthetic_data.flat_labels",
           "return X, y.reshape((-1, 1))", "return X, y"),
    Mutant("no noise", "synthetic_data", "synthetic_data.no_noise",
           "y += torch.normal(0, 0.01, y.shape)", "pass"),
    Mutant("noise sd 0.1", "synthetic_data", "synthetic_data.wrong_noise",
           "torch.normal(0, 0.01, y.shape)", "torch.normal(0, 0.1, y.shape)"),
    Mutant("noise variance for sd", "synthetic_data", "synthetic_data.wrong_noise",
           "torch.normal(0, 0.01, y.shape)", "torch.normal(0, 0.0001, y.shape)"),
    Mutant("uniform features", "synthetic_data", "synthetic_data.features_not_normal",
           "torch.normal(0, 1, (num_examples, len(w)))", "torch.rand((num_examples, len(w)))"),
    Mutant("features with sd 2", "synthetic_data", "synthetic_data.features_not_normal",
           "torch.normal(0, 1, (num_examples, len(w)))", "torch.normal(0, 2, (num_examples, len(w)))"),
    Mutant("hard-coded feature count", "synthetic_data", "synthetic_data.features_mismatch",
           "torch.normal(0, 1, (num_examples, len(w)))", "torch.normal(0, 1, (num_examples, 2))"),
    Mutant("no bias in labels", "synthetic_data", "synthetic_data.no_bias",
           "y = torch.matmul(X, w) + b", "y = torch.matmul(X, w)"),
    Mutant("numpy arrays", "synthetic_data", "any.numpy_returned",
           "return X, y.reshape((-1, 1))", "return X.numpy(), y.reshape((-1, 1)).numpy()"),
    # data_iter
    Mutant("numpy batches", "data_iter", "any.numpy_returned",
           "yield features[batch_indices], labels[batch_indices]",
           "yield features[batch_indices].numpy(), labels[batch_indices].numpy()"),
    Mutant("no shuffle", "data_iter", "data_iter.not_shuffled",
           "random.shuffle(indices)", "pass"),
    Mutant("same order every epoch", "data_iter", "data_iter.same_order",
           "random.shuffle(indices)", "random.Random(0).shuffle(indices)"),
    Mutant("drops the last batch", "data_iter", "data_iter.drops_last",
           "range(0, num_examples, batch_size)", "range(0, num_examples - batch_size + 1, batch_size)"),
    Mutant("samples with replacement", "data_iter", "data_iter.with_replacement",
           "random.shuffle(indices)", "indices = [random.randrange(num_examples) for _ in indices]"),
    Mutant("random.shuffle on the features tensor", "data_iter", "data_iter.shuffles_tensor",
           "random.shuffle(indices)", "random.shuffle(features)"),
    Mutant("never stops", "data_iter", "data_iter.endless",
           "    for i in range(0, num_examples, batch_size):", "    while True:\n        i = 0"),
    Mutant("labels not shuffled with features", "data_iter", "data_iter.misaligned",
           "yield features[batch_indices], labels[batch_indices]",
           "yield features[batch_indices], labels[i: min(i + batch_size, num_examples)]"),
    # linreg
    Mutant("no bias", "linreg", "linreg.no_bias",
           "return torch.matmul(X, w) + b", "return torch.matmul(X, w)"),
    Mutant("element-wise product", "linreg", "linreg.elementwise",
           "return torch.matmul(X, w) + b", "return X * w + b"),
    Mutant("detached", "linreg", "linreg.detached",
           "return torch.matmul(X, w) + b", "return torch.matmul(X, w.detach()) + b.detach()"),
    Mutant("through numpy", "linreg", "linreg.detached",
           "return torch.matmul(X, w) + b",
           "return torch.from_numpy(X.numpy() @ w.detach().numpy() + b.detach().numpy())"),
    Mutant("returns a numpy array", "linreg", "any.numpy_returned",
           "return torch.matmul(X, w) + b",
           "return X.numpy() @ w.detach().numpy() + b.detach().numpy()"),
    # squared_loss
    Mutant("no reshape", "squared_loss", "squared_loss.no_reshape",
           "(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "(y_hat - y) ** 2 / 2"),
    Mutant("mean", "squared_loss", "squared_loss.mean",
           "(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()"),
    Mutant("sum", "squared_loss", "squared_loss.sum",
           "(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).sum()"),
    Mutant("no / 2", "squared_loss", "squared_loss.no_half",
           "(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "(y_hat - y.reshape(y_hat.shape)) ** 2"),
    # sgd
    Mutant("no zeroing", "sgd", "sgd.no_zero_grad", "param.grad.zero_()", "pass"),
    Mutant("zeroing before the update", "sgd", "sgd.zero_before_update",
           "param -= lr * param.grad / batch_size\n            param.grad.zero_()",
           "param.grad.zero_()\n            param -= lr * param.grad / batch_size"),
    Mutant("no division by batch_size", "sgd", "sgd.no_batch_division",
           "param -= lr * param.grad / batch_size", "param -= lr * param.grad"),
    Mutant("hard-coded lr", "sgd", "sgd.hardcoded_lr",
           "param -= lr * param.grad / batch_size", "param -= 0.03 * param.grad / batch_size"),
    Mutant("hard-coded lr and batch size", "sgd", "sgd.hardcoded_lr",
           "param -= lr * param.grad / batch_size", "param -= 0.03 * param.grad / 10"),
    Mutant("only the first parameter", "sgd", "sgd.first_only",
           "for param in params:", "for param in params[:1]:"),
    Mutant("rebinds", "sgd", "sgd.rebinds",
           "param -= lr * param.grad / batch_size", "param = param - lr * param.grad / batch_size"),
    Mutant("rebinds the list", "sgd", "sgd.rebinds",
           "            param -= lr * param.grad / batch_size\n            param.grad.zero_()",
           "            pass\n        params = [p - lr * p.grad / batch_size for p in params]"),
    Mutant("ascends", "sgd", "sgd.ascends",
           "param -= lr * param.grad / batch_size", "param += lr * param.grad / batch_size"),
    Mutant("no torch.no_grad", "sgd", "sgd.no_no_grad", *replace_function("sgd", SGD_NO_NO_GRAD)),
    # names and signatures
    Mutant("renamed loss", "squared_loss", "any.missing_function",
           "def squared_loss(y_hat, y):", "def square_loss(y_hat, y):"),
    Mutant("arguments reordered", "data_iter", "any.wrong_signature",
           "def data_iter(batch_size, features, labels):", "def data_iter(features, labels, batch_size):"),
    Mutant("sgd arguments reordered", "sgd", "any.wrong_signature",
           "def sgd(params, lr, batch_size):", "def sgd(params, batch_size, lr):"),
    Mutant("still the stub", "linreg", "any.not_implemented",
           "return torch.matmul(X, w) + b", "raise NotImplementedError('linreg')"),
]
