"""`make demo`: write a small sample class and grade it end to end.

Run from the repository: python -m autograder.demo build/demo
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import nbformat

from autograder import cli

# (student, what they got wrong, edits to the reference)
CLASS = [
    ("alice", "nothing: the reference", []),
    ("carol", "squared_loss without the reshape",
     [("(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "(y_hat - y) ** 2 / 2")]),
    ("dave", "sgd never zeroes the gradient, and uses a hard-coded lr",
     [("param.grad.zero_()", "pass"), ("param -= lr *", "param -= 0.03 *")]),
    ("erin", "data_iter drops the last partial batch",
     [("range(0, num_examples, batch_size)", "range(0, num_examples - batch_size + 1, batch_size)")]),
    ("frank", "linreg forgets the bias; synthetic_data returns flat labels",
     [("return torch.matmul(X, w) + b", "return torch.matmul(X, w)"),
      ("return X, y.reshape((-1, 1))", "return X, y")]),
    ("grace", "data_iter loops forever",
     [("    for i in range(0, num_examples, batch_size):", "    while True:\n        i = 0")]),
    ("heidi", "named the loss square_loss",
     [("def squared_loss(y_hat, y):", "def square_loss(y_hat, y):")]),
]


def write_class(reference: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for student, _, edits in CLASS:
        source = reference
        for old, new in edits:
            assert old in source, (student, old)
            source = source.replace(old, new)
        (folder / f"{student}.py").write_text(source, encoding="utf-8")
    # a notebook as students write it, with magics and the book's d2l import
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (
        "%matplotlib inline\nimport random\nimport torch\nfrom d2l import torch as d2l",
        reference.split('"""', 2)[2],
        "from autograder import check\ncheck('sgd')",
    )]
    (folder / "ivan.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    (folder / "judy.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = 1"', encoding="utf-8")


def main(argv=None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    root = Path(argv[0] if argv else "build/demo")
    reference = Path("solutions/linreg.py").read_text(encoding="utf-8")
    if root.exists():
        shutil.rmtree(root)
    subs = root / "submissions"
    write_class(reference, subs)
    print(f"Sample class in {subs}:")
    for student, what, _ in CLASS:
        print(f"  {student}.py: {what}")
    print("  ivan.ipynb: a notebook with %matplotlib and a failing d2l import, otherwise correct")
    print("  judy.ipynb: a notebook cut off in the middle (not valid JSON)\n")
    os.environ.setdefault("AUTOGRADER_SECRET", "demo-secret")
    start = time.monotonic()
    code = cli.main(["grade", str(subs), "--out", str(root / "results"), "--config", "course.yaml",
                     "--gradebook", str(root / "autograder.db")])
    print(f"\nGraded {len(CLASS) + 2} submissions in {time.monotonic() - start:.1f} s "
          f"(exit code {code}); results.json files are in {root / 'results'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
