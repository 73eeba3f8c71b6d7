"""check()'s latency in a real Jupyter kernel, per function: median and max, beside the kernel's own round trip.

    .venv/bin/python bench/check_latency.py [--repeat 15]

A kernel (ipykernel, through jupyter_client) starts in a course folder and runs the
reference solution's cells, as a student's notebook would. Then each `check(name)` cell,
and `check()` for all of them, runs REPEAT times, in turn, and is timed from the execute
request to the kernel's idle, with its display (HTML, plots included) made as Jupyter makes
it. The baseline, from the same kernel in the same run, is a cell that does nothing: what
any cell costs. The goal: a median of at most 0.15 s and a max of at most 0.5 s per function.
The first call of each (cold: matplotlib's import for training's plots) is in the max.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
UNITS = ("synthetic_data", "data_iter", "linreg", "squared_loss", "sgd", "training", None)


def timed(client, code: str) -> float:
    start = time.perf_counter()
    reply = client.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
    took = time.perf_counter() - start
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"the cell {code!r} failed: {reply['content'].get('evalue')}")
    return took


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="check-latency-"))
    shutil.copy(ROOT / "course.yaml", folder / "course.yaml")
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(folder))
    try:
        timed(client, (ROOT / "solutions" / "linreg.py").read_text(encoding="utf-8"))
        imported = timed(client, "from autograder import check")
        times: dict[str, list[float]] = {"(empty cell)": []}
        for _ in range(args.repeat):
            times["(empty cell)"].append(timed(client, "pass"))
            for unit in UNITS:
                call = f"check({unit!r})" if unit else "check()"
                times.setdefault(call, []).append(timed(client, call))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"check() in a real kernel, {args.repeat} calls each (goal: median <= 0.15 s, max <= 0.5 s)")
    print(f"{'cell':<26}{'median s':>10}{'max s':>10}{'first s':>10}   goal")
    for call, seen in times.items():
        med, top = statistics.median(seen), max(seen)
        goal = "" if call == "(empty cell)" else ("met" if med <= 0.15 and top <= 0.5 else "MISSED")
        print(f"{call:<26}{med:>10.3f}{top:>10.3f}{seen[0]:>10.3f}   {goal}")
    print("baseline: (empty cell) is the same kernel's round trip for a cell that does nothing")
    print(f"`from autograder import check` took {imported:.3f} s (it loads matplotlib and builds the plots' figures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
