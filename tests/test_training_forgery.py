"""A training report is checked, not trusted: forged ones gain nothing, honest ones keep their verdict.

The attacks are real submissions (samples/hostile.py): an sgd that never moves w,
plus a rewrite of the grader's training probe in the submission's own process, or
functions that pass the answer to each other. The trace checks are also fed, one
by one, the forgery each of them is there to catch.
"""
from __future__ import annotations

import pytest
import torch

from autograder import spec
from autograder.grader.seeds import probe_seed
from autograder.model import Observation
from autograder.sandbox.far import probes
from autograder.spec import training
from samples import hostile
from tests.conftest import REFERENCE, failed


@pytest.fixture(scope="module")
def honest(worker, course, tmp_path_factory):
    from autograder.grader import one
    from autograder.inputs.read import load
    path = tmp_path_factory.mktemp("honest") / "zeroes_only.py"
    path.write_text(hostile.ZEROES_ONLY)
    return one.grade(worker, load(path), course, b"test-secret")


def test_an_sgd_that_only_zeroes_fails_sgd_and_training(honest):
    assert failed(honest, "sgd") and failed(honest, "training")
    assert failed(honest, "training")[0].mistake == "training.not_converged"


@pytest.mark.parametrize("attack", list(hostile.FORGED_TRAINING))
def test_a_forged_training_report_gains_nothing(grade, honest, attack):
    report = grade(hostile.FORGED_TRAINING[attack])
    assert report.score <= honest.score, f"{attack}: {report.score} > {honest.score}"
    (training_result,) = failed(report, "training")
    assert training_result.mistake == "training.unverified", training_result.message


def test_a_correct_submission_is_verified(grade):
    report = grade(REFERENCE)
    assert report.score == report.max_score


# ---- each trace check, fed the forgery it catches ----------------------------------

def _namespace(source: str) -> dict:
    ns: dict = {}
    exec(compile(source, "submission.py", "exec"), ns)
    return ns


def _observations(source: str = REFERENCE, seed: int = 7) -> dict:
    ns = _namespace(source)
    obs = {}
    for name in training.JUDGES["training.converges"].__globals__["SGD_PROBES"] + ("book",):
        function, _, probe_name = name.rpartition(":")
        function = function or "training"
        s = probe_seed(seed, f"{function}.{probe_name}")
        probe = spec.module(function).PROBES[probe_name](s)
        probes.seed_everything(s)
        obs[name] = Observation(probe, s, "ok", probes.PROBES[probe.kind](ns, probe.inputs))
    return obs


def _verdict(obs):
    return training.converges(obs)


def _with(obs, **trace):
    book = obs["book"]
    result = {**book.result, "trace": {**book.result["trace"], **trace}}
    return {**obs, "book": Observation(book.probe, book.seed, "ok", result)}


@pytest.fixture(scope="module")
def reference_obs():
    return _observations()


def test_the_reference_run_passes_with_its_trace(reference_obs):
    assert _verdict(reference_obs).passed


def test_training_reads_sgds_own_probes():
    assert spec.CHECKS["training.converges"].probes == ("book", "sgd:two", "sgd:three")


def _unverified(obs) -> str:
    v = _verdict(obs)
    assert not v.passed and v.mistake == "training.unverified", v
    return v.facts["reason"]


def test_no_trace(reference_obs):
    book = reference_obs["book"]
    result = {k: v for k, v in book.result.items() if k != "trace"}
    obs = {**reference_obs, "book": Observation(book.probe, book.seed, "ok", result)}
    assert "no trace" in _unverified(obs)


def test_a_start_elsewhere(reference_obs):
    t = reference_obs["book"].result["trace"]
    w = t["w"].clone()
    w[0] += 0.5
    assert "start" in _unverified(_with(reference_obs, w=w))


def test_a_batch_larger_than_batch_size(reference_obs):
    t = reference_obs["book"].result["trace"]
    sizes = t["sizes"].clone()
    sizes[0], sizes[1] = sizes[0] + sizes[1], 0
    assert "more than" in _unverified(_with(reference_obs, sizes=sizes[sizes > 0],
                                            w=torch.cat([t["w"][:1], t["w"][2:]]),
                                            b=torch.cat([t["b"][:1], t["b"][2:]])))


def test_a_batch_with_an_example_not_in_the_data(reference_obs):
    t = reference_obs["book"].result["trace"]
    X = t["X"].clone()
    X[3, 0] += 0.25
    assert "not in the data" in _unverified(_with(reference_obs, X=X))


def test_a_step_that_is_not_a_gradient_step(reference_obs):
    t = reference_obs["book"].result["trace"]
    w = t["w"].clone()
    w[100:] += 1e-3        # one step moved further than the gradient says
    assert "gradient steps" in _unverified(_with(reference_obs, w=w))


def test_steps_that_the_students_own_sgd_does_not_take(reference_obs):
    obs = _observations(hostile.ZEROES_ONLY)
    obs = {**obs, "book": reference_obs["book"]}   # the reference's run, with this sgd's probes
    assert "your sgd's own steps" in _unverified(obs)


def test_an_sgd_whose_own_update_is_no_multiple_of_the_gradient(reference_obs):
    obs = _observations(hostile.with_function("sgd", """
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad.sign() / batch_size
            param.grad.zero_()
"""))
    assert "not a step along the gradient" in _unverified({**obs, "book": reference_obs["book"]})


def test_an_sgd_without_zeroing_is_explained_by_the_gradients_it_adds_up():
    """No zeroing: each step uses the sum of every gradient so far. The trace check
    explains such steps; the verdict is the convergence check's, as before."""
    obs = _observations(hostile.with_function("sgd", """
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
"""))
    assert training._trace_problem(obs) is None
    assert _verdict(obs).mistake in ("training.not_converged", "training.diverged")


def test_the_books_scaled_variants_are_explained():
    """A loss without the 1/2 doubles every step: still the book's steps, scaled (s = 2)."""
    obs = _observations(hostile.with_function("squared_loss", """
def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2
"""))
    assert training._trace_problem(obs) is None


def _judged(source: str, seed: int, course):
    """Training's verdict, through the grader's own judge, for a run in this process."""
    from autograder.grader.judge import judge
    try:
        obs = _observations(source, seed)
    except Exception as exc:  # noqa: BLE001 - the student's code raised in training
        ns_obs = _observations(REFERENCE, seed)
        book = ns_obs["book"]
        obs = {**ns_obs, "book": Observation(book.probe, book.seed, "raised",
                                             error={"type": type(exc).__name__, "message": str(exc)})}
    names = {f: {"params": None} for f in spec.FUNCTIONS}
    return judge(spec.CHECKS["training.converges"], obs, names, course.limits)


@pytest.mark.parametrize("mutant", __import__("samples.mutants").mutants.MUTANTS, ids=lambda m: m.name)
def test_no_honest_mistake_is_taken_for_a_forgery(mutant, course):
    """Every mistake of the catalogue keeps the training verdict that convergence alone
    gives it: the trace of an honest run is always explained, whatever is wrong in it."""
    verdict = _judged(mutant.source(), 3, course)
    assert verdict.mistake != "training.unverified", (mutant.name, verdict.facts)


def test_a_hard_coded_lr_is_explained_with_the_trainings_own_lr():
    """Its own probes use lr 0.07 and 0.3, where a hard-coded 0.03 shows; in training the
    lr is 0.03, so its steps are the book's, and the trace check must say so."""
    from samples.mutants import MUTANTS
    mutant = next(m for m in MUTANTS if m.name == "hard-coded lr")
    obs = _observations(mutant.source())
    assert training._sgd_steps(obs, 0.03, 10) == [pytest.approx(0.003)]
    assert training._trace_problem(obs) is None
