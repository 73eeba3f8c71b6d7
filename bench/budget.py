"""How long a submission that only wastes time holds a grading slot, beside the budget meant to bound it.

Two notebooks: 20,000 cells that each print (each cell is a fork of the
submission's process), and 12 cells that sleep. Baseline: the submission's
budget, `limits.submission_seconds` of course.yaml (60 s by default), measured
nowhere, printed as the ratio's denominator. Run it in two trees to compare them.

Run: .venv/bin/python bench/budget.py [CELLS]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from autograder import course as settings_mod  # noqa: E402
from autograder.grader.many import Grader  # noqa: E402
from autograder.inputs.read import load  # noqa: E402
from measure import print_beside  # noqa: E402
from samples.mutants import REFERENCE  # noqa: E402


def _notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def main() -> None:
    many = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    settings = settings_mod.load(ROOT / "course.yaml")
    budget = float(getattr(settings.limits, "submission_seconds", 60.0))
    tmp = Path(tempfile.mkdtemp(prefix="bench-budget-"))
    cases = {
        f"{many} cells that print": _notebook(tmp / "many.ipynb", [REFERENCE] + ["print(1)"] * many),
        "12 cells that sleep": _notebook(tmp / "sleep.ipynb", [REFERENCE] + ["import time\ntime.sleep(1000)"] * 12),
    }
    rows = []
    with Grader(settings, b"bench") as grader:
        for name, path in cases.items():
            start = time.perf_counter()
            report = grader.grade(load(path))
            rows.append((f"{name} (scored {report.score:g})", time.perf_counter() - start))
    print_beside([("baseline: limits.submission_seconds", budget), *rows], budget,
                 versus="vs the budget")


if __name__ == "__main__":
    main()
