"""The slowest probe of each function over every correct variant: what the limits must allow.

Run: .venv/bin/python bench/probe_times.py

Each correct way of writing the five functions (samples/variants.py, and
the reference) is probed with every check of course.yaml, in forks of this process,
with torch on one thread as in the grader. For each function it prints the slowest
single probe and the variant that took it, next to the limit that course.yaml sets,
and how many times the limit is the slowest probe.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from autograder import course as settings_mod  # noqa: E402
from autograder.grader import one, plan as planning  # noqa: E402
from autograder.spec import CHECKS  # noqa: E402
from autograder.check import LocalSession  # noqa: E402
from autograder.sandbox.far import runner  # noqa: E402
from samples.mutants import REFERENCE, replace_function  # noqa: E402
from samples.variants import VARIANTS  # noqa: E402


class TimedSession(LocalSession):
    """Probes in forks of this process, keeping each probe's seconds."""

    def __init__(self, ns: dict):
        super().__init__(ns)
        self.seconds: dict[str, float] = {}

    def probes(self, groups, parallel=1):
        outcomes = super().probes(groups, parallel)
        self.seconds.update({key: float(o.get("seconds") or 0.0) for key, o in outcomes.items()})
        return outcomes


def main() -> None:
    torch.set_num_threads(1)
    settings = settings_mod.load(ROOT / "course.yaml")
    variants = {"reference": REFERENCE}
    for name, (function, body) in VARIANTS.items():
        old, new = replace_function(function, body)
        variants[name] = REFERENCE.replace(old, new)
    slowest: dict[str, tuple[float, str]] = {}
    for name, source in variants.items():
        ns = {"__name__": "submission"}
        exec(compile(source, "submission.py", "exec"), ns)
        plan, _ = planning.plan_checks(list(CHECKS.values()), settings, {"public": settings.seed,
                                                                        "hidden": 1})
        session = TimedSession(ns)
        one.run_probes(session, plan, runner.inventory(ns), settings.limits)
        for key, seconds in session.seconds.items():
            function = key.split("/")[0]
            if seconds > slowest.get(function, (0.0, ""))[0]:
                slowest[function] = (seconds, name)
    limits = settings.limits
    print(f"{len(variants)} correct variants, every probe of course.yaml's checks\n")
    print(f"{'function':<16} {'slowest probe':>14} {'limit':>8} {'headroom':>9}  variant")
    for function, (seconds, name) in slowest.items():
        limit = limits.training_seconds if function == "training" else limits.probe_seconds
        print(f"{function:<16} {seconds * 1000:>11.1f} ms {limit:>6g} s {limit / seconds:>8.0f}x  {name}")


if __name__ == "__main__":
    main()
