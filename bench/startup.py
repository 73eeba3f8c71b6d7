"""How long the commands that need no torch take, side by side with `python -c "import torch"`.

Each command runs in a fresh interpreter, as an instructor types it: `--help`, a
course.yaml with a wrong key, a course.yaml with a `checks:` section, `export csv`
and `report` on a small gradebook. None of them imports torch, so each should
cost a fraction of the baseline, measured in the same run.

Run: make bench   (or .venv/bin/python bench/startup.py [REPEATS])
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.model import CheckResult, Report  # noqa: E402
from autograder.spec import CHECKS  # noqa: E402
from autograder.store.gradebook import Gradebook  # noqa: E402
from measure import print_beside  # noqa: E402


def seconds(cmd: list[str], cwd: Path, repeats: int, expect: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        code = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        times.append(time.perf_counter() - start)
        assert code == expect, f"{' '.join(cmd)}: exit code {code}, expected {expect}"
    return statistics.median(times)


def class_gradebook(path: Path, students: int = 30) -> None:
    """A gradebook of a class, stored directly (this benchmark grades nothing)."""
    with Gradebook(path) as gradebook:
        for i in range(students):
            results = tuple(CheckResult(c.id, c.function, c.name, i % 3 > 0, float(i % 3 > 0), 1.0,
                                        "public", None if i % 3 else "sgd.no_zero_grad", "Passed.", i)
                            for c in CHECKS.values())
            gradebook.record(Report(f"s{i:03d}", f"s{i:03d}.py", f"{i:064x}", results),
                             f"s{i:03d}", "linreg", "bench", 0.0)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    (tmp / "course.yaml").write_text((ROOT / "course.yaml").read_text())
    (tmp / "wrong.yaml").write_text("assignment: linreg\nlimts: {probe_seconds: 1}\n")
    class_gradebook(tmp / "autograder.db")
    ag = [sys.executable, "-m", "autograder"]
    rows = [
        ('baseline: python -c "import torch"', [sys.executable, "-c", "import torch"], 0),
        ("autograder --help", ag + ["--help"], 0),
        ("a wrong key in course.yaml (exit 2)", ag + ["export", "csv", "--config", "wrong.yaml"], 2),
        ("a course.yaml with checks: (export csv)", ag + ["export", "csv", "--out", "a.csv"], 0),
        ("autograder export csv --canvas", ag + ["export", "csv", "--out", "b.csv", "--canvas", "c.csv"], 0),
        ("autograder report (30 students)", ag + ["report", "--out", "report.html"], 0),
    ]
    measured = [(what, seconds(cmd, tmp, repeats, expect)) for what, cmd, expect in rows]
    baseline = measured[0][1]
    print(f"median of {repeats} runs each, in a fresh interpreter")
    print_beside(measured, baseline, head="command", versus="vs import torch", width=44)


if __name__ == "__main__":
    main()
