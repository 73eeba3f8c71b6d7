"""`check("sgd")` in a student's notebook: the public checks of one function.

It uses the same registry, seeds and messages as `autograder grade`. The
student's functions are probed in forks of the notebook's own process, so a
crash or an endless loop costs a probe, not the kernel. While the autograder
itself runs a notebook, `check()` does nothing.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder import FUNCTIONS, grading, settings as settings_mod, wire
from autograder.checks import CHECKS
from autograder.worker import runner


class LocalSession:
    """Probes run in forks of this process (the same batches as in the sandbox)."""

    def __init__(self, ns: dict):
        self.ns = ns

    def probes(self, groups: list[dict], parallel: int = 1) -> dict[str, dict]:
        outcomes: dict[str, dict] = {}

        def keep(frame: bytes):
            outcome = wire.decode(frame)
            outcome.pop("op", None)
            outcomes[outcome.pop("id")] = outcome

        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = open(os.devnull, "w")    # student prints stay quiet
        try:
            runner.run_groups(self.ns, groups, parallel, keep)
        finally:
            sys.stdout.close()
            sys.stdout, sys.stderr = saved
        return outcomes


class Summary:
    """What check() returns: shown as Markdown in Jupyter, as text elsewhere."""

    def __init__(self, function: str, results: list):
        self.function, self.results = function, results

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def _lines(self):
        for r in self.results:
            mark = "✅" if r.passed else "❌"
            yield f"{mark} **{r.name}**" + ("" if r.passed else "\n\n" + r.output)

    def _repr_markdown_(self):
        return "\n\n".join(self._lines())

    def __repr__(self):
        return "\n\n".join(self._lines())


def _find_config(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / "course.yaml").is_file():
            return folder / "course.yaml"
    return None


def check(name: str, namespace: dict | None = None, config: str | Path | None = None):
    if os.environ.get("AUTOGRADER_GRADING"):
        return None
    wanted = FUNCTIONS + ("training",)
    if name not in wanted:
        raise ValueError(f"check({name!r}): expected one of {', '.join(wanted)}")
    ns = namespace if namespace is not None else vars(sys.modules["__main__"])
    path = Path(config) if config else _find_config(Path.cwd())
    settings = settings_mod.load(path)
    checks = [c for c in CHECKS.values()
              if c.function == name and settings.check(c.id).visibility == "public"]
    plan, wanted_probes = grading.plan_checks(checks, settings, {"public": settings.seed})
    names = runner.inventory(ns)
    observed = grading.run_probes(LocalSession(ns), plan, names, settings.limits)
    return Summary(name, grading.results_for(checks, settings, plan, wanted_probes, observed,
                                             names, None))
