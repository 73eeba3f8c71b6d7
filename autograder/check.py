"""`check("sgd")` in a student's notebook: the public checks of one function.

It uses the same checks, seeds and messages as `autograder grade`. The
student's functions are probed in forks of the notebook's own process, so a
crash or an endless loop costs a probe, not the kernel. While the autograder
itself runs a notebook, `check()` does nothing.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# Nothing heavy at import time: ``from autograder import check`` runs in every
# graded notebook, where check() does nothing.


class LocalSession:
    """Probes run in forks of this process (the same groups as in the sandbox)."""

    def __init__(self, ns: dict):
        self.ns = ns

    def probes(self, groups: list[dict], parallel: int = 1) -> dict[str, dict]:
        from autograder.sandbox import protocol
        from autograder.sandbox.far.groups import run_groups

        outcomes: dict[str, dict] = {}

        def keep(frame: bytes):
            outcome = protocol.decode(frame)
            outcome.pop("op", None)
            outcomes[outcome.pop("id")] = outcome

        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = open(os.devnull, "w")    # student prints stay quiet
        try:
            run_groups(self.ns, groups, parallel, keep)
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
            yield f"{mark} **{r.name}**" + ("" if r.passed else "\n\n" + r.message)

    def _repr_markdown_(self):
        return "\n\n".join(self._lines())

    def __repr__(self):
        return "\n\n".join(self._lines())


def check(name: str, namespace: dict | None = None, config: str | Path | None = None):
    """Run the public checks of one function (or "training") from a notebook.

    While the autograder itself runs the notebook this does nothing, so a graded
    notebook never grades itself.
    """
    if os.environ.get("AUTOGRADER_GRADING"):
        return None
    from autograder import course, spec

    if name not in spec.UNITS:
        raise ValueError(f"check({name!r}): expected one of {', '.join(spec.UNITS)}")
    from autograder.grader import one, plan as plan_mod
    from autograder.sandbox.far import runner

    ns = namespace if namespace is not None else vars(sys.modules["__main__"])
    settings = course.load(Path(config) if config else course.find_config(Path.cwd()))
    checks = [c for c in spec.CHECKS.values()
              if c.function == name and settings.check(c.id).visibility == "public"]
    plan, wanted = plan_mod.plan_checks(checks, settings, {"public": settings.seed})
    names = runner.inventory(ns)
    observed = one.run_probes(LocalSession(ns), plan, names, settings.limits)
    return Summary(name, one.results_for(checks, settings, plan, wanted, observed, names, None))
