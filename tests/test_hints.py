"""Hints that point at the student's real mistake: the name meant, the tensor shuffled, the function that hung."""
from __future__ import annotations

import time

from samples.mutants import replace_function
from tests.conftest import REFERENCE, failed


def test_a_typo_is_suggested_before_a_known_alias(grade):
    """The book's training cell says `net = linreg`; with the typo both names exist."""
    source = REFERENCE.replace("def linreg(", "def linereg(") + "\nnet = linereg\n"
    report = grade(source)
    message = failed(report, "linreg")[0].message
    assert "did you mean `linereg`?" in message, message


def test_a_known_alias_is_suggested_when_no_name_is_close(grade):
    source = REFERENCE.replace("def linreg(", "def net(")
    report = grade(source)
    assert "did you mean `net`?" in failed(report, "linreg")[0].message


def test_random_shuffle_on_the_features_tensor_is_named_and_not_advised(grade):
    report = grade(REFERENCE.replace("random.shuffle(indices)", "random.shuffle(features)"))
    results = failed(report, "data_iter")
    assert "data_iter.shuffles_tensor" in {r.mistake for r in results}
    named = next(r for r in results if r.mistake == "data_iter.shuffles_tensor")
    assert "`random.shuffle` on a tensor" in named.message
    assert "random.shuffle(indices)" in named.message     # the hint: shuffle indices instead
    assert not any(r.mistake == "data_iter.with_replacement" for r in results)


def test_training_that_times_out_names_the_function_it_was_inside(grade, course):
    """linreg passes its own checks (small inputs) and hangs on the 1000 examples of training."""
    old, new = replace_function("linreg", "def linreg(X, w, b):\n    while len(X) == 1000:\n"
                                "        pass\n    return torch.matmul(X, w) + b\n")
    quick = course.model_copy(update={"limits": course.limits.model_copy(update={"training_seconds": 1.0})})
    start = time.monotonic()
    report = grade(REFERENCE.replace(old, new), settings=quick)
    assert time.monotonic() - start < 1.0 + 4.0
    assert {r.function for r in report.results if not r.passed} == {"training"}
    result = failed(report, "training")[0]
    assert result.mistake == "training.timed_out"
    assert "while it was inside `linreg`" in result.message
