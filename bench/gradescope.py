"""Gradescope's limits: run_autograder on one submission, in a simulated container, under 768 MB and half a CPU.

    .venv/bin/python bench/gradescope.py [--runs 2]

Builds the autograder zip, lays out a fake /autograder tree, and runs the zip's
run_autograder (with this checkout's .venv as the grading environment) under
tests/container.py (Docker's default capabilities, no namespaces), for the reference
solution and for a memory bomb: once as it is (the baseline, same machine, same run)
and once in a cgroup with Gradescope's default limits, memory 768 MB and half a CPU
(cgroup v2 ``memory.max 768M`` and ``cpu.max "50000 100000"``; where this machine's
cgroup v2 has no memory or cpu controller, the same limits through cgroup v1's
``memory.limit_in_bytes`` and ``cpu.cfs_quota_us``/``cpu.cfs_period_us``, and it says so).

Prints, per case: wall time, the peak PSS of run_autograder's whole process tree
(sampled every 20 ms), the cgroup's own peak, how often and how long the CPU limit
held it back (cpu.stat), and the score. Goal: <= 600 MB, <= 30 s.
Needs root (cgroups, and container mode's dropped uids).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples import hostile  # noqa: E402
from samples.mutants import REFERENCE  # noqa: E402

MEMORY = 768 * 2**20
QUOTA, PERIOD = 50_000, 100_000


# ---- cgroups ------------------------------------------------------------------------------

def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, type, super options) of the cgroup file systems."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fstype, _, options = right.split()[:3]
        if fstype in ("cgroup", "cgroup2"):
            found.append((left.split()[4], fstype, options))
    return found


class Cgroup:
    """A cgroup (v2, else v1 memory + cpu) with Gradescope's limits; ``enter()`` in a child."""

    def __init__(self, name: str):
        self.name, self.paths, self.version, self.why_not_v2 = name, [], None, None
        v2 = [m for m, t, _ in _mounts() if t == "cgroup2"]
        for mount in v2:
            controllers = set((Path(mount) / "cgroup.controllers").read_text().split())
            if not {"memory", "cpu"} <= controllers:
                self.why_not_v2 = (f"cgroup v2 at {mount} has the controllers {sorted(controllers) or 'none'}, "
                                   "not memory and cpu (they are bound to cgroup v1 here)")
                continue
            try:
                (Path(mount) / "cgroup.subtree_control").write_text("+memory +cpu")
                path = Path(mount) / name
                path.mkdir()
                (path / "memory.max").write_text(str(MEMORY))
                (path / "memory.swap.max").write_text("0")
                (path / "cpu.max").write_text(f"{QUOTA} {PERIOD}")
                self.paths, self.version = [path], 2
                return
            except OSError as exc:
                self.why_not_v2 = f"cgroup v2 at {mount} is not writable here: {exc}"
        if not v2:
            self.why_not_v2 = "no cgroup v2 mounted"
        own = {}
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(","):
                own[c] = path
        memory = next((m for m, t, o in _mounts() if t == "cgroup" and "memory" in o.split(",")), None)
        cpu = next((m for m, t, o in _mounts() if t == "cgroup" and "cpu" in o.split(",")), None)
        if memory is None or cpu is None:
            raise SystemExit(f"no usable cgroup: {self.why_not_v2}; no cgroup v1 memory and cpu either")
        # below this process's own cgroups: whatever limits those have still hold
        mem = Path(memory + own.get("memory", "/")) / name
        cpu_path = Path(cpu + own.get("cpu", "/")) / name
        mem.mkdir()
        (mem / "memory.limit_in_bytes").write_text(str(MEMORY))
        try:
            (mem / "memory.memsw.limit_in_bytes").write_text(str(MEMORY))
        except OSError:
            pass
        cpu_path.mkdir()
        (cpu_path / "cpu.cfs_period_us").write_text(str(PERIOD))
        (cpu_path / "cpu.cfs_quota_us").write_text(str(QUOTA))
        self.paths, self.version = [mem, cpu_path], 1

    def enter(self) -> None:
        for path in self.paths:
            (path / "cgroup.procs").write_text(str(os.getpid()))

    def peak(self) -> int | None:
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((self.paths[0] / name).read_text())
        except (OSError, ValueError):
            return None

    def throttled(self) -> tuple[int, float]:
        """(periods throttled, seconds throttled) so far: that the CPU limit bites."""
        stat = dict(line.split() for line in (self.paths[-1] / "cpu.stat").read_text().splitlines())
        if self.version == 2:
            return int(stat.get("nr_throttled", 0)), int(stat.get("throttled_usec", 0)) / 1e6
        return int(stat.get("nr_throttled", 0)), int(stat.get("throttled_time", 0)) / 1e9

    def reset_peak(self) -> None:
        try:
            (self.paths[0] / ("memory.peak" if self.version == 2 else "memory.max_usage_in_bytes")).write_text("0")
        except OSError:
            pass

    def describe(self) -> str:
        if self.version == 2:
            return f"cgroup v2 {self.paths[0]}: memory.max {MEMORY // 2**20}M, cpu.max \"{QUOTA} {PERIOD}\""
        return (f"cgroup v1 (because {self.why_not_v2}): memory.limit_in_bytes {MEMORY // 2**20}M, "
                f"cpu.cfs_quota_us {QUOTA} per cpu.cfs_period_us {PERIOD}")

    def remove(self) -> None:
        for path in self.paths:
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


# ---- one run ---------------------------------------------------------------------------------

def tree_pss(session: int) -> int:
    """Bytes of PSS of every process in ``session``."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
            if int(fields[3]) != session:
                continue
            for line in (entry / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, IndexError, ValueError):
            continue
    return total


def build_zip(into: Path) -> Path:
    out = into / "autograder.zip"
    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "--out", str(out),
                    "--config", str(ROOT / "course.yaml")], check=True, capture_output=True, cwd=ROOT)
    return out


def tree(into: Path, zipped: Path, source: str) -> Path:
    root = into / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zipped) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "submission" / "linreg.py").write_text(source)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "s@example.edu", "id": 1}]}))
    return root


def run(root: Path, cgroup: Cgroup | None) -> dict:
    if cgroup is not None:
        cgroup.reset_peak()
        throttled_before = cgroup.throttled()
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": str(Path(sys.prefix))}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "container.py"), "bash",
                             str(root / "source" / "run_autograder")], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=cgroup.enter if cgroup is not None else None)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_pss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - start
    sampler.join()
    results = json.loads((root / "results" / "results.json").read_text())
    throttled = None
    if cgroup is not None:
        after = cgroup.throttled()
        throttled = (after[0] - throttled_before[0], after[1] - throttled_before[1])
    return {"wall": wall, "pss": peak[0], "cgroup": cgroup.peak() if cgroup is not None else None,
            "throttled": throttled,
            "score": results.get("score"), "code": proc.returncode, "err": err.decode()[-300:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if os.getuid() != 0:
        raise SystemExit("bench/gradescope.py needs root (cgroups, and container mode's uids)")
    cases = {"reference": REFERENCE, "memory bomb": hostile.MEMORY_BOMB}
    cgroup = Cgroup(f"autograder-bench-{os.getpid()}")
    print(f"limits: {cgroup.describe()}")
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            zipped = build_zip(Path(tmp))
            for case, source in cases.items():
                for where, group in (("no limits (baseline)", None), ("768 MB, half a CPU", cgroup)):
                    for i in range(args.runs):
                        with tempfile.TemporaryDirectory() as one:
                            got = run(tree(Path(one), zipped, source), group)
                        if got["code"] != 0:
                            print(f"  {case} / {where}: exit {got['code']}: {got['err']}")
                        rows.append((case, where, i + 1, got))
    finally:
        cgroup.remove()
    print(f"\n{'submission':<12} {'where':<22} {'run':>3} {'wall s':>7} {'peak PSS MB':>12} "
          f"{'cgroup peak MB':>15} {'throttled':>14} {'score':>6}")
    for case, where, i, got in rows:
        cg = f"{got['cgroup'] / 2**20:.0f}" if got["cgroup"] is not None else "-"
        th = f"{got['throttled'][0]}x, {got['throttled'][1]:.1f} s" if got["throttled"] else "-"
        print(f"{case:<12} {where:<22} {i:>3} {got['wall']:>7.1f} {got['pss'] / 2**20:>12.0f} {cg:>15} "
              f"{th:>14} {got['score']:>6}")
    limited = [g for c, w, _, g in rows if g is not None and w.startswith("768")]
    print(f"\ngoal: peak PSS <= 600 MB and wall <= 30 s under the limits; worst seen: "
          f"{max(g['pss'] for g in limited) / 2**20:.0f} MB, {max(g['wall'] for g in limited):.1f} s")


if __name__ == "__main__":
    main()
