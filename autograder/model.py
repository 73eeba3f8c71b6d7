"""The data that flows between the steps: plain frozen dataclasses, no torch.

    Submission  what inputs/ read from a file (never executed there)
    Probe       the inputs one call of a student function gets, and its repro
    Observation what the sandbox saw that call do
    Verdict     what a judge in spec/ concluded from the observations
    CheckResult a verdict scored and worded (grader/)
    Report      every CheckResult of one submission, and its notes

A Probe's inputs and an Observation's result hold tensors; this module only
carries them and never looks inside.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from autograder import __version__

_UNSAFE = re.compile(r"[^\w.@+-]+")


def safe_id(raw: str) -> str:
    """A submission id that is one plain path component: letters, digits and ``_.@+-``,
    never starting with a dot, at most 100 characters. Any other id gets the safe part
    and a short hash of the raw one, so two different raw ids never become the same."""
    if raw and len(raw) <= 100 and not raw.startswith(".") and not _UNSAFE.search(raw):
        return raw
    safe = _UNSAFE.sub("_", raw).lstrip(".")[:80] or "submission"
    return f"{safe}-{hashlib.sha256(raw.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


@dataclass(frozen=True)
class Submission:
    id: str
    path: str
    kind: str                       # "py" | "ipynb"
    cells: tuple[str, ...] = ()
    sha256: str = ""
    error: str | None = None        # why it cannot run at all (it still gets a results.json)
    notes: tuple[str, ...] = field(default_factory=tuple)
    submitted_at: str | None = None  # when the student submitted (nbgrader's timestamp.txt), ISO 8601 UTC

    def to_dict(self) -> dict:
        """What the sandbox's far side gets: the cells, not the verdict's inputs."""
        return {"id": self.id, "path": self.path, "kind": self.kind, "cells": list(self.cells)}


@dataclass(frozen=True)
class Probe:
    kind: str                 # which far-side probe runs (sandbox.far.probes.PROBES)
    inputs: dict              # tensors and numbers sent to the far side
    repro: str                # Python that rebuilds the inputs and makes the call


@dataclass(frozen=True)
class Observation:
    probe: Probe
    seed: int
    status: str               # ok | raised | exited | crashed | timeout | lost | missing | blocked
    result: dict | None = None
    error: dict | None = None


@dataclass(frozen=True)
class Verdict:
    passed: bool
    mistake: str | None = None      # an id of spec.mistakes.CATALOGUE when it failed
    facts: dict = field(default_factory=dict)   # what fills the mistake's text


PASS = Verdict(True)


def fail(mistake: str, **facts) -> Verdict:
    return Verdict(False, mistake, facts)


@dataclass(frozen=True)
class CheckResult:
    id: str
    function: str
    name: str
    passed: bool
    score: float
    max_score: float
    visibility: str
    mistake: str | None
    message: str              # Markdown for the student: the mistake, a hint, a repro
    seed: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    submission_id: str
    path: str
    sha256: str
    results: tuple[CheckResult, ...]
    notes: tuple[str, ...] = ()     # about the submission as a whole: cells that failed, why it did not load
    seconds: float = 0.0
    public_seed: int = 0
    hidden_seed: int = 0
    version: str = __version__
    # when the gradebook stored it (ISO 8601, UTC), "" before; where it was stored, not what was graded
    graded_at: str = field(default="", compare=False)
    # what the student's page plots of training (spec.training.curves); None when training
    # did not run to its end or is a hidden check. Drawn, never judged.
    curves: dict | None = field(default=None, compare=False)
    # when the student submitted (nbgrader's timestamp.txt), ISO 8601 UTC; None when unknown
    submitted_at: str | None = field(default=None, compare=False)

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    @property
    def mistakes(self) -> list[str]:
        """The distinct mistakes named, sorted."""
        return sorted({r.mistake for r in self.results if r.mistake})

    def function_scores(self) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for r in self.results:
            got, total = out.get(r.function, (0.0, 0.0))
            out[r.function] = (got + r.score, total + r.max_score)
        return out

    def to_dict(self) -> dict:
        data = asdict(self)
        data["results"] = [r.to_dict() for r in self.results]
        data["notes"] = list(self.notes)
        return data
