"""Every mistake in the catalogue loses points in its own function, and is named."""
import pytest

from tests.conftest import failed, lost_points
from samples.mutants import MUTANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_is_caught_in_its_function_and_named(grade, mutant):
    report = grade(mutant.source())
    lost = lost_points(report)
    assert mutant.function in lost, f"{mutant.name}: {mutant.function} kept all its points"
    others = set(lost) - {mutant.function, "training"}
    assert not others, f"{mutant.name}: blame leaked to {others}: " + "; ".join(
        r.message for r in report.results if r.function in others and not r.passed)
    mistakes = {r.mistake for r in failed(report, mutant.function)}
    assert mutant.expected in mistakes, f"{mutant.name}: named {mistakes}"
    for r in failed(report, mutant.function):
        assert "Traceback" not in r.message and "assert" not in r.message.lower()
        assert r.message.startswith("**Mistake**")
