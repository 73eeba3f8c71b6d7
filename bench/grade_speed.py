"""How fast grading is, side by side with its baseline, in one run.

Baseline: what any grader that starts a fresh Python per submission pays before
it runs a line of student code (`python -c "import torch"`). Ours: one warm
zygote, a fork per submission and per probe.

Run: make bench   (or .venv/bin/python bench/grade_speed.py [N])
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from autograder import course as settings_mod  # noqa: E402
from autograder.grader.many import Grader  # noqa: E402
from autograder.inputs.discover import Source  # noqa: E402
from autograder.inputs.read import load  # noqa: E402
from autograder.sinks import Each  # noqa: E402
from measure import print_beside  # noqa: E402
from samples import hostile  # noqa: E402
from samples.mutants import MUTANTS, REFERENCE  # noqa: E402

HOSTILE = {
    "hostile: os.kill(-1, SIGKILL) at import": hostile.KILL_ALL_AT_IMPORT,
    "hostile: segfault in data_iter": hostile.with_function(
        "data_iter", "def data_iter(batch_size, features, labels):\n    import ctypes\n"
                     "    ctypes.string_at(0)\n"),
    "hostile: memory bomb in squared_loss": hostile.MEMORY_BOMB,
    "hostile: 300 MB on stdout at import": hostile.STDOUT_FLOOD,
    "hostile: fills the disk at import": hostile.FILL_DISK,
    "hostile: spawns processes and threads": hostile.PROCESSES,
    "hostile: linreg sleeps (3 x its probe limit)": hostile.SLEEP,
}


def fresh_torch_import(repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    settings = settings_mod.load(ROOT / "course.yaml")
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    correct = []
    for i in range(n):
        p = tmp / f"correct{i}.py"
        p.write_text(REFERENCE)
        correct.append(Source(p.stem, str(p)))
    kinds = {m.name: m for m in MUTANTS if m.name in
             ("no reshape", "no zeroing", "drops the last batch", "element-wise product")}
    wrong = []
    for name, m in kinds.items():
        p = tmp / f"{name.replace(' ', '_')}.py"
        p.write_text(m.source())
        wrong.append((f"mistake: {name}", load(p)))
    for i, (name, source) in enumerate(HOSTILE.items()):
        p = tmp / f"hostile{i}.py"
        p.write_text(source)
        wrong.append((name, load(p)))

    baseline = fresh_torch_import()
    start = time.perf_counter()
    grader = Grader(settings, b"bench")
    warmup = time.perf_counter() - start
    rows = []
    with grader:
        for jobs in (1, 2):
            start = time.perf_counter()
            scores = []
            grader.grade_all(correct, [Each(lambda report, _: scores.append(report.score))], jobs)
            wall = time.perf_counter() - start
            assert scores == [23.0] * n
            rows.append((f"correct submission, --jobs {jobs} ({n} graded)", wall / n))
        for name, sub in wrong:
            start = time.perf_counter()
            grader.grade(sub)
            rows.append((name, time.perf_counter() - start))
    print(f"sandbox: {grader.zygote.sandbox['mode']} mode")
    print_beside([('baseline: fresh python -c "import torch"', baseline),
                  ("warm worker start (once per run)", warmup), *rows], baseline)


if __name__ == "__main__":
    main()
