"""What the sandbox costs per submission, side by side with a baseline from the same run.

One submission's process, end to end and one after another: the warm worker's
fork, the namespaces, the filesystem view, the dropped uid and rlimits, a
one-line submission loaded, and the process gone. The median of N, in ms.

The baseline is another checkout of the autograder (``--baseline PATH``, with its
own .venv), measured in the same run, alternating with this one, so that both
see the same machine. Without it, this checkout alone is measured.

Run: .venv/bin/python bench/sandbox_cost.py [--n 200] [--baseline ../other-checkout]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
MEASURE = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
root = Path(sys.argv[1]); n = int(sys.argv[2])
sys.path.insert(0, str(root))
from autograder import course
from autograder.inputs.read import load
from autograder.sandbox import environment
from autograder.sandbox.client import Zygote
settings = course.load(root / "course.yaml")
tmp = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
(tmp / "one_line.py").write_text("x = 1\n")
submission = load(tmp / "one_line.py").to_dict()
limits = settings.limits.model_dump()
if hasattr(environment, "hidden_paths"):     # a grader that hides a list of paths, as its CLI did
    zygote = Zygote(environment.hidden_paths(root / "course.yaml", settings, tmp / "out")
                    + [str(tmp / "autograder.db")])
else:
    zygote = Zygote()
times = []
with zygote:
    for i in range(n + 5):
        start = time.perf_counter()
        session = zygote.spawn()
        cells, names = session.load(submission, limits)
        session.close()
        if names is None or "x" in names:
            raise SystemExit(f"the one-line submission did not load: {cells}")
        if i >= 5:
            times.append(time.perf_counter() - start)
print(json.dumps({"mode": zygote.sandbox["mode"], "median": statistics.median(times),
                  "p90": statistics.quantiles(times, n=10)[-1]}))
"""


def measure(tree: Path, n: int) -> dict:
    python = tree / ".venv" / "bin" / "python"
    done = subprocess.run([str(python if python.exists() else sys.executable), "-c", MEASURE, str(tree), str(n)],
                          cwd=tree, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: the measurement failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="alternations of baseline and this checkout")
    parser.add_argument("--baseline", type=Path, help="another checkout, measured in the same run")
    args = parser.parse_args()
    trees = {"this checkout": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    results: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in reversed(list(trees.items())):
            results[name].append(measure(tree, args.n))
    print(f"one submission's process, end to end, median of {args.n}, in {args.rounds} rounds "
          f"(sandbox: {results['this checkout'][0]['mode']} mode)")
    print(f"{'':16}" + "".join(f"{'round ' + str(i + 1):>12}" for i in range(args.rounds)) + f"{'p90 (last)':>12}")
    for name in reversed(list(trees)):
        rows = results[name]
        print(f"{name:16}" + "".join(f"{r['median'] * 1000:10.2f}ms" for r in rows)
              + f"{rows[-1]['p90'] * 1000:10.2f}ms")
    if args.baseline:
        ours = statistics.median(r["median"] for r in results["this checkout"])
        base = statistics.median(r["median"] for r in results["baseline"])
        print(f"difference (median of rounds): {(ours - base) * 1000:+.2f} ms per submission")


if __name__ == "__main__":
    main()
