"""The reference scores 100% on 200 different seeds: the statistical checks do not flake."""
from concurrent.futures import ThreadPoolExecutor

from autograder.grader import one
from autograder.inputs.read import load
from tests.conftest import ROOT

SEEDS = 200


def test_reference_full_marks_on_200_seeds(worker, course):
    submission = load(ROOT / "solutions" / "linreg.py")

    def grade_with(seed):
        settings = course.model_copy(update={"seed": seed})
        # the hidden seed changes with the secret, so both kinds of seed vary
        return seed, one.grade(worker, submission, settings, f"secret-{seed}".encode())

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(grade_with, range(SEEDS)))
    failures = [f"seed {seed}: {r.name}: {r.message}" for seed, rep in reports
                for r in rep.results if not r.passed]
    assert not failures, "\n".join(failures[:10])
    assert len({rep.results[0].seed for _, rep in reports}) == SEEDS
