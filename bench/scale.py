"""Grade 1,000 generated notebooks and measure wall time and peak memory.

The class: 80% correct (written in several correct ways), 15% with a named
mistake, 5% hostile (hangs in a function and in a cell, exits, kill(-1), a
memory bomb, a segfault). Peak memory is the sum of PSS over the grader's whole
process tree (grader, warm worker, every submission's processes), sampled every
0.2 s. Targets from the issue are printed beside the numbers.

Run: .venv/bin/python bench/scale.py [--n 1000] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from autograder.checks.training import LOOP  # noqa: E402
from tests import hostile  # noqa: E402
from tests.mutants import MUTANTS, REFERENCE, replace_function  # noqa: E402
from tests.test_correct_variants import VARIANTS  # noqa: E402

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


def tree_pss_mb(root: int) -> float:
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rfind(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    total = 0
    for pid in parents:
        p = pid
        while p not in (0, 1, root) and p in parents:
            p = parents[p]
        if p != root and pid != root:
            continue
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


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
           "--gradebook", str(tmp / "gradebook.db"), "--jobs", str(args.jobs), "--quiet"]
    env = dict(os.environ, AUTOGRADER_SECRET="bench")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    peak = [0.0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_pss_mb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    graded = len(list((tmp / "out").glob("*/results.json")))
    print(f"class: {args.n} notebooks: {counts['correct']} correct, {counts['mistake']} with mistakes, "
          f"{counts['hostile']} hostile ({counts['hangs']} of them hang)")
    print(err.strip().splitlines()[-1] if err.strip() else "")
    print(f"{'measure':<36} {'value':>12} {'target':>12}")
    print(f"{'wall time, --jobs ' + str(args.jobs):<36} {wall:>11.1f}s {'< 180 s':>12}")
    print(f"{'per submission':<36} {wall / args.n:>11.3f}s {'':>12}")
    print(f"{'peak PSS of the grader tree':<36} {peak[0]:>10.0f}MB {'< 1024 MB':>12}")
    print(f"{'results.json written':<36} {graded:>12} {args.n:>12}")
    print(f"exit code {proc.returncode}; files in {tmp}")


if __name__ == "__main__":
    main()
