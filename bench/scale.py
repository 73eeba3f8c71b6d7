"""Grade 1,000 generated notebooks and measure wall time and peak memory.

The class: 80% correct (written in several correct ways), 15% with a named
mistake, 5% hostile (hangs in a function and in a cell, exits, kill(-1), a
memory bomb, a segfault). Peak memory is the sum of PSS over the grader's whole
process tree (grader, warm worker, every submission's processes), sampled every
1 s by bench/measure.py. Targets from the issue are printed beside the numbers.

Run: .venv/bin/python bench/scale.py [--n 1000] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
from autograder.spec.training import LOOP  # noqa: E402
from measure import measured  # noqa: E402
from samples import hostile  # noqa: E402
from samples.mutants import MUTANTS, REFERENCE, replace_function  # noqa: E402
from samples.variants import VARIANTS  # noqa: E402

# the book's loop, as students leave it at the top level of their notebooks
TRAINING_CELL = "\n".join(line for line in LOOP.format(seed=0).splitlines()
                          if not line.startswith(("import", "random.seed")))

HOSTILE = [
    ("hang in linreg", hostile.SLEEP),
    ("hang in a cell", None),
    ("kill(-1)", hostile.KILL_ALL_AT_IMPORT),
    ("sys.exit in sgd", hostile.with_function("sgd", "def sgd(params, lr, batch_size):\n"
                                                     "    import sys\n    sys.exit(1)\n")),
    ("memory bomb", hostile.MEMORY_BOMB),
    ("segfault", hostile.with_function("linreg", "def linreg(X, w, b):\n    import ctypes\n"
                                                 "    return ctypes.string_at(0)\n")),
]


def notebook(source: str, rng: random.Random, hang_cell: bool = False) -> str:
    body = source.split("import torch", 1)[1]
    cells = ["%matplotlib inline\nimport random\nimport torch\nfrom d2l import torch as d2l"]
    if hang_cell:
        cells.append("while True:\n    pass")
    cells.append(body)
    if rng.random() < 0.5:
        cells.append(TRAINING_CELL)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb)


def make_class(folder: Path, n: int, seed: int = 0) -> dict[str, int]:
    rng = random.Random(seed)
    counts = {"correct": 0, "mistake": 0, "hostile": 0, "hangs": 0}
    variants = list(VARIANTS.values())
    for i in range(n):
        roll = rng.random()
        hang = False
        if roll < 0.80:
            function, body = rng.choice(variants)
            old, new = replace_function(function, body)
            source, kind = REFERENCE.replace(old, new), "correct"
        elif roll < 0.95:
            source, kind = rng.choice(MUTANTS).source(), "mistake"
        else:
            name, source = rng.choice(HOSTILE)
            kind = "hostile"
            if source is None:
                source, hang = REFERENCE, True
            counts["hangs"] += name.startswith("hang")
        counts[kind] += 1
        (folder / f"s{i:04d}.ipynb").write_text(notebook(source, rng, hang), encoding="utf-8")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="scale-"))
    subs = tmp / "submissions"
    subs.mkdir()
    counts = make_class(subs, args.n)
    cmd = [sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(tmp / "out"),
           "--gradebook", str(tmp / "autograder.db"), "--jobs", str(args.jobs), "--quiet"]
    env = dict(os.environ, AUTOGRADER_SECRET="bench")
    run = measured(cmd, ROOT, tmp / "grade.log", 3600, env)
    wall, err = run.seconds, run.log.read_text(errors="replace")
    graded = len(list((tmp / "out").glob("*/results.json")))
    print(f"class: {args.n} notebooks: {counts['correct']} correct, {counts['mistake']} with mistakes, "
          f"{counts['hostile']} hostile ({counts['hangs']} of them hang)")
    print(err.strip().splitlines()[-1] if err.strip() else "")
    print(f"{'measure':<36} {'value':>12} {'target':>12}")
    print(f"{'wall time, --jobs ' + str(args.jobs):<36} {wall:>11.1f}s {'< 180 s':>12}")
    print(f"{'per submission':<36} {wall / args.n:>11.3f}s {'':>12}")
    print(f"{'peak PSS of the grader tree':<36} {run.peak_mb:>10.0f}MB {'< 1024 MB':>12}")
    print(f"{'CPU spent measuring memory':<36} {run.sampler_cpu:>11.1f}s {'':>12}")
    print(f"{'results.json written':<36} {graded:>12} {args.n:>12}")
    print(f"exit code {run.returncode}; files in {tmp}")


if __name__ == "__main__":
    main()
