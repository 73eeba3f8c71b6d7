"""Which probes a grading runs, and how they are grouped into forks of the sandbox.

A probe is built once per (function, probe name, visibility) and shared by every
check that reads it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from autograder import spec
from autograder.course import Settings
from autograder.grader.seeds import probe_seed
from autograder.model import Observation


@dataclass
class Plan:
    """Which probes run, for which (function, probe name, visibility)."""
    probes: dict = field(default_factory=dict)    # key -> (Probe, seed)

    def add(self, check: spec.Check, name: str, visibility: str, base_seed: int):
        """``name`` is a probe of the check's own function, or "function:probe" for one of
        another function's (training's check reads sgd's, to know what its steps are)."""
        function, _, name = name.rpartition(":")
        function = function or check.function
        key = (function, name, visibility)
        if key not in self.probes:
            seed = probe_seed(base_seed, f"{function}.{name}")
            self.probes[key] = (spec.module(function).PROBES[name](seed), seed)
        return key


def plan_checks(checks, settings: Settings, seeds: dict) -> tuple[Plan, dict]:
    """The probes the checks need: one per (function, probe, visibility)."""
    plan = Plan()
    wanted = {}
    for check in checks:
        vis = settings.check(check.id).visibility
        wanted[check.id] = {name: plan.add(check, name, vis, seeds[vis]) for name in check.probes}
    return plan, wanted


def groups(plan: Plan, names: dict, limits, parallel: int) -> tuple[list[dict], dict]:
    """The sandbox's groups of probes (``sandbox.far.groups``), and an Observation
    "missing" for each probe whose functions the submission does not define.

    Side by side when ``parallel`` > 1: training in one fork, the five functions'
    probes in another. Otherwise all of them in turn in one fork, training last,
    so that a function found hanging first keeps it from running at all."""
    missing: dict[tuple, Observation] = {}
    by_function: dict[str, list] = {}
    for key, (probe, seed) in plan.probes.items():
        by_function.setdefault(key[0], []).append((key, probe, seed))
    split = {"functions": [], "training": []}
    for function in sorted(by_function, key=spec.UNITS.index):
        entries = by_function[function]
        needed = spec.FUNCTIONS if function == "training" else (function,)
        if any(f not in names for f in needed):
            missing.update({key: Observation(probe, seed, "missing") for key, probe, seed in entries})
            continue
        limit = limits.training_seconds if function == "training" else limits.probe_seconds
        split["training" if function == "training" else "functions"] += [
            {"id": probe_id(key), "function": function, "needs": list(needed), "kind": probe.kind,
             "inputs": probe.inputs, "seed": seed, "limit": limit} for key, probe, seed in entries]
    if parallel > 1:    # training takes longest: first, beside the others
        return [{"name": name, "items": split[name]} for name in ("training", "functions")
                if split[name]], missing
    items = split["functions"] + split["training"]
    return ([{"name": "probes", "items": items}] if items else []), missing


def probe_id(key: tuple) -> str:
    """A probe's id on the wire: "sgd/two/public"."""
    return "/".join(key)
