"""Grade one stored submission again with its recorded seeds, and compare the two gradings (appeals)."""
from __future__ import annotations

from dataclasses import dataclass

from autograder.course import Settings
from autograder.errors import UsageError
from autograder.grader import one
from autograder.grader.many import spare_cores
from autograder.inputs.read import load
from autograder.model import CheckResult, Report
from autograder.sandbox.client import Zygote
from autograder.sandbox.launch import Launch
from autograder.store.gradebook import Gradebook


@dataclass(frozen=True)
class Replay:
    recorded: Report
    now: Report
    changed_file: bool              # the file's sha256 is not the one that was graded

    def before(self, result: CheckResult) -> CheckResult | None:
        return next((r for r in self.recorded.results if r.id == result.id), None)

    def agrees(self, result: CheckResult) -> bool:
        old = self.before(result)
        return old is not None and (old.passed, old.score, old.mistake) == \
            (result.passed, result.score, result.mistake)

    @property
    def identical(self) -> bool:
        return all(self.agrees(r) for r in self.now.results)


def replay(gradebook_path: str, submission_id: str, settings: Settings, secret: bytes,
           launched: Launch | None = None) -> Replay:
    """The submission that counts for ``submission_id`` (the latest), graded again."""
    with Gradebook(gradebook_path) as gradebook:
        row = gradebook.counted(settings.assignment, "latest").get(submission_id)
        if row is None:
            raise UsageError(f"{gradebook_path}: no graded submission with id {submission_id!r} "
                             f"for assignment {settings.assignment!r}")
        recorded = gradebook.report(row)
    submission = load(recorded.path, submission_id)
    with Zygote(launched) as zygote:
        now = one.grade(zygote, submission, settings, secret,
                        seeds={"public": recorded.public_seed, "hidden": recorded.hidden_seed},
                        parallel=spare_cores())
    return Replay(recorded, now, submission.sha256 != recorded.sha256)
