"""`autograder selftest`: grade the catalogue of named mistakes and the correct variants, and score the grader.

A mistake is *caught* when its function fails a check and no other function
(training aside, which runs all five) does: the blame stays where it belongs. It is
*named* when one of its function's failed checks names the catalogue's mistake id.
A *false failure* is any failed check of the reference or of a correct variant.
The run passes at 100% caught and no false failure; named below 100% is shown,
since a mistake caught under another name still costs the student the right points.
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field

from autograder.course import Settings
from autograder.model import Report, Submission
from autograder.selftest.mutants import MUTANTS, REFERENCE, replace_function
from autograder.selftest.variants import VARIANTS
from autograder.sinks import Sink

SECRET = b"autograder-selftest"      # fixed, so that the hidden checks' seeds are the same in every run


@dataclass(frozen=True)
class Case:
    """One program of the catalogue, to be graded as a .py submission."""
    id: str
    name: str
    source: str
    function: str | None = None    # a mutant's function; None for a correct program
    expected: str | None = None    # the mistake id the grader must name

    def load(self) -> Submission:
        raw = self.source.encode("utf-8")
        return Submission(self.id, f"selftest/{self.id}.py", "py", (self.source,),
                          hashlib.sha256(raw).hexdigest())


def cases() -> list[Case]:
    """The reference, each correct variant in its place in the reference, and each mutant."""
    found = [Case("correct-reference", "the reference", REFERENCE)]
    for i, (name, (function, body)) in enumerate(VARIANTS.items()):
        old, new = replace_function(function, body)
        found.append(Case(f"correct-{i:02d}", f"{function}: {name}", REFERENCE.replace(old, new)))
    for i, m in enumerate(MUTANTS):
        found.append(Case(f"mistake-{i:02d}", m.name, m.source(), m.function, m.expected))
    return found


@dataclass
class Score:
    """What the run found; ``problems`` says what went wrong, one line per program."""
    mistakes: int = 0
    caught: int = 0
    named: int = 0
    correct: int = 0
    false_failures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.caught == self.mistakes and not self.false_failures

    def add(self, case: Case, report: Report) -> None:
        failed = [r for r in report.results if not r.passed]
        if case.function is None:
            self.correct += 1
            if failed:
                self.false_failures += 1
                self.problems.append(f"false failure: {case.name}: " + "; ".join(
                    f"{r.name} [{r.mistake}]" for r in failed))
            return
        self.mistakes += 1
        own = [r for r in failed if r.function == case.function]
        leaked = sorted({r.function for r in failed} - {case.function, "training"})
        if own and not leaked:
            self.caught += 1
        elif not own:
            self.problems.append(f"not caught: {case.name} ({case.expected}): every check of "
                                 f"{case.function} passed")
        else:
            self.problems.append(f"caught in the wrong function: {case.name} ({case.expected}): "
                                 f"{', '.join(leaked)} failed too")
        named = {r.mistake for r in own}
        if case.expected in named:
            self.named += 1
        elif own:
            self.problems.append(f"not named: {case.name}: expected {case.expected}, named "
                                 f"{', '.join(sorted(m for m in named if m)) or 'nothing'}")

    def text(self) -> str:
        def share(n: int, of: int) -> str:
            return f"{n:>3}/{of:<3} {100 * n / of if of else 100:5.1f}%"

        lines = [f"autograder selftest: {self.mistakes} named mistakes and {self.correct} correct programs "
                 "(the reference and its variants)",
                 f"  caught in the right function  {share(self.caught, self.mistakes)}",
                 f"  named                         {share(self.named, self.mistakes)}",
                 f"  false failures                {self.false_failures:>3}/{self.correct}"]
        lines += [f"  - {p}" for p in self.problems]
        verdict = "passed" if self.passed else "FAILED (needs 100% caught and no false failure)"
        lines.append(f"mutation score {100 * self.caught / self.mistakes if self.mistakes else 100:.1f}%: "
                     f"{verdict}")
        return "\n".join(lines)


class _Collect(Sink):
    def __init__(self, by_id: dict[str, Case]):
        self.by_id = by_id
        self.score = Score()
        self.seen: set[str] = set()

    def add(self, report: Report, skipped: bool) -> None:
        self.seen.add(report.submission_id)
        self.score.add(self.by_id[report.submission_id], report)


def run(settings: Settings, launched=None, jobs: int = 1, progress: bool | None = None) -> Score:
    """Grade every case with the course's settings (no gradebook); returns the Score."""
    from autograder.grader.many import Grader
    from autograder.sinks.progress import Bar

    todo = cases()
    collect = _Collect({c.id: c for c in todo})
    show = sys.stderr.isatty() if progress is None else progress
    with Grader(settings, SECRET, None, launched) as grader:
        grader.grade_all(todo, [collect, Bar(len(todo), enabled=show)], jobs)
    missing = [c.name for c in todo if c.id not in collect.seen]
    if missing:                      # never a silent pass: every program must have been graded
        collect.score.problems.append(f"not graded: {', '.join(missing)}")
        collect.score.false_failures += len(missing)
    return collect.score
