"""Every Reproduce snippet reproduces its mistake, pasted into a fresh Jupyter kernel below the
student's own code: what it shows with the student's function differs from what it shows with
the reference's, and with the reference it runs without an error."""
from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from samples.mutants import MUTANTS
from tests.conftest import REFERENCE

REPRO = "```python\n"
# Before each run: a clean namespace and seeded generators, so that the same code shows the
# same thing twice, and the reference's output differs from a mutant's only by the mistake.
FRESH = ("%reset -f\nimport random, numpy, torch\n"
         "random.seed(0); numpy.random.seed(0); torch.manual_seed(0)")


@pytest.fixture(scope="module")
def everything_public(course):
    """Hidden checks give no repro: here every check is public (fresh_order included)."""
    from autograder.course import CheckSetting
    return course.model_copy(update={"checks": {cid: CheckSetting(points=c.points, visibility="public")
                                                for cid, c in course.checks.items()}})


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path_factory.mktemp("kernel")))
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def shown(client, code: str) -> str:
    """What a cell shows: its printed output, its value and its error's name."""
    parts = []

    def keep(msg):
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            parts.append(content["text"])
        elif kind == "execute_result":
            parts.append(content["data"]["text/plain"] + "\n")
        elif kind == "error":
            parts.append(f"error: {content['ename']}\n")
    reply = client.execute_interactive(code, timeout=60, output_hook=keep)
    assert reply["content"]["status"] in ("ok", "error")
    return "".join(parts)


def run(client, module: str, snippet: str) -> str:
    shown(client, FRESH)
    defined = shown(client, module)
    assert "error" not in defined, defined
    return shown(client, snippet)


def _snippets(report):
    for r in report.results:
        if not r.passed and REPRO in (r.message or ""):
            yield r, r.message.split(REPRO, 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.function != "training"], ids=lambda m: m.name)
def test_each_repro_shows_the_mistake_in_a_fresh_kernel(grade, everything_public, kernel, mutant):
    report = grade(mutant.source(), settings=everything_public)
    snippets = [(r, s) for r, s in _snippets(report) if r.function != "training"]
    assert snippets, "a public check of a function failed without a repro"
    for result, snippet in snippets:
        with_reference = run(kernel, REFERENCE, snippet)
        assert "error" not in with_reference and with_reference.strip(), (result.id, with_reference)
        with_mistake = run(kernel, mutant.source(), snippet)
        assert with_mistake != with_reference, (result.id, with_mistake)


def test_the_same_order_repro_shows_the_same_order(grade, everything_public, kernel):
    mutant = next(m for m in MUTANTS if m.name == "same order every epoch")
    report = grade(mutant.source(), settings=everything_public)
    (result, snippet), = [(r, s) for r, s in _snippets(report) if r.mistake == "data_iter.same_order"]
    assert "the same order" in run(kernel, mutant.source(), snippet)
    assert "a new order" in run(kernel, REFERENCE, snippet)


def test_the_repro_of_a_missing_zero_grad_shows_the_gradient_left(grade, everything_public, kernel):
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    report = grade(mutant.source(), settings=everything_public)
    (result, snippet), = [(r, s) for r, s in _snippets(report) if r.mistake == "sgd.no_zero_grad"]
    assert "grad after: [0.0, 0.0, 0.0]" in run(kernel, REFERENCE, snippet)
    assert "grad after: [0.0, 0.0, 0.0]" not in run(kernel, mutant.source(), snippet)
