"""check("name") in a notebook: the same public verdicts and messages as the grader."""
import pytest

from autograder import check, spec
from tests.conftest import REFERENCE, ROOT
from samples.mutants import MUTANTS


def namespace(source):
    ns = {"__name__": "student"}
    exec(compile(source, "<notebook>", "exec"), ns)
    return ns


def test_reference_passes(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    summary = check("sgd", namespace(REFERENCE), config=ROOT / "course.yaml")
    assert summary.passed and "✅" in repr(summary)


def test_a_mistake_is_named_as_the_grader_names_it(monkeypatch, grade):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    summary = check("sgd", namespace(mutant.source()), config=ROOT / "course.yaml")
    assert not summary.passed
    failed = [r for r in summary.results if not r.passed]
    assert [r.mistake for r in failed] == ["sgd.no_zero_grad"]
    graded = [r for r in grade(mutant.source()).results if r.id == failed[0].id][0]
    assert graded.message == failed[0].message
    assert "sgd.no_zero_grad" in summary._repr_markdown_()


def test_only_public_checks_run_and_the_rest_are_counted(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    config = tmp_path / "course.yaml"
    config.write_text("checks: {squared_loss.reshape: {visibility: hidden}}\n")
    summary = check("squared_loss", namespace(REFERENCE), config=config)
    assert [r.id for r in summary.results] == ["squared_loss.elementwise"]
    assert "1 more check runs when your work is graded" in repr(summary)


def test_the_most_common_mistake_shows_a_cross_with_the_shipped_course(monkeypatch):
    """squared_loss without y.reshape(y_hat.shape): the shipped course.yaml shows it."""
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    mutant = next(m for m in MUTANTS if m.name == "no reshape")
    summary = check("squared_loss", namespace(mutant.source()), config=ROOT / "course.yaml")
    assert not summary.passed and "❌" in repr(summary)
    assert [r.mistake for r in summary.results if not r.passed] == ["squared_loss.no_reshape"]


def test_check_with_no_name_checks_everything(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    summary = check(namespace=namespace(REFERENCE), config=ROOT / "course.yaml")
    assert {r.function for r in summary.results} == set(spec.UNITS)
    assert summary.passed
    assert "1 more check runs when your work is graded" in repr(summary)   # data_iter.fresh_order


def test_the_display_is_html_in_jupyter_and_clean_text_elsewhere(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    summary = check("sgd", namespace(mutant.source()), config=ROOT / "course.yaml")
    html = summary._repr_html_()
    assert "<strong>" in html and "<pre><code" in html and "**" not in html
    text = repr(summary)
    assert "**" not in text and "```" not in text and "sgd.no_zero_grad" in text
    assert "    import torch" in text         # the repro, indented as code


def test_without_a_course_yaml_check_says_so_and_hides_what_grading_hides(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    monkeypatch.delenv("AUTOGRADER_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    summary = check("data_iter", namespace(REFERENCE))
    assert "no course.yaml" in repr(summary)
    assert "data_iter.fresh_order" not in [r.id for r in summary.results]


def test_a_hang_costs_one_probe_limit_not_the_kernel(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    (tmp_path / "course.yaml").write_text("limits: {probe_seconds: 0.5}\n")
    ns = namespace(REFERENCE + "\ndef linreg(X, w, b):\n    while True:\n        pass\n")
    summary = check("linreg", ns, config=tmp_path / "course.yaml")
    assert {r.mistake for r in summary.results} == {"any.timed_out"}


def test_does_nothing_while_grading(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_GRADING", "1")
    assert check("sgd", {}) is None


def test_unknown_name(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    with pytest.raises(ValueError, match="expected one of .*or check\\(\\) for all"):
        check("sdg", {})


def test_the_real_d2ls_linreg_is_named_in_check(monkeypatch, tmp_path):
    """In a student's kernel d2l is the book's real package: its functions live in d2l.torch."""
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    package = tmp_path / "d2l"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "torch.py").write_text("import torch\n\n\ndef linreg(X, w, b):\n"
                                      "    return torch.matmul(X, w) + b\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("d2l", "d2l.torch"):
        monkeypatch.delitem(__import__("sys").modules, name, raising=False)
    ns = namespace(REFERENCE + "\nfrom d2l import torch as d2l\nlinreg = d2l.linreg\n")
    summary = check("linreg", ns, config=ROOT / "course.yaml")
    assert {r.mistake for r in summary.results} == {"any.uses_d2l"}
    assert check("linreg", namespace(REFERENCE), config=ROOT / "course.yaml").passed


def test_check_training_draws_the_loss_and_the_fitted_line(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    summary = check("training", namespace(REFERENCE), config=ROOT / "course.yaml")
    html = summary._repr_html_()
    assert html.count('<figure class="plot"') == 2 and html.count("<svg") == 2
    assert summary.curves["losses"][-1] < 1e-3
    assert '<figure class="plot"' not in check("linreg", namespace(REFERENCE),
                                                config=ROOT / "course.yaml")._repr_html_()


def test_check_speaks_the_notebooks_language(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    from autograder.zh import check as check_zh
    summary = check_zh("squared_loss", namespace(REFERENCE), config=ROOT / "course.yaml")
    assert "2 项检查全部通过" in repr(summary)
    assert "✅ squared_loss: " in repr(summary) and "element-wise" not in repr(summary)   # Chinese titles
    with pytest.raises(ValueError, match="check\\(language='fr'\\)"):
        check("sgd", namespace(REFERENCE), config=ROOT / "course.yaml", language="fr")


def _children() -> dict[int, str]:
    """This process's child processes and their states (Z: ended, not yet reaped)."""
    import os
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                found[int(entry)] = fields[0].decode()
    return found


def test_the_forks_of_check_end_and_are_reaped_without_being_waited_for(monkeypatch):
    """A probe's process that has reported, and the fork that drew the loss, are killed and
    reaped by a thread: none is left running or as a zombie."""
    import time
    monkeypatch.delenv("AUTOGRADER_GRADING", raising=False)
    before = set(_children())
    summary = check(None, namespace(REFERENCE), config=ROOT / "course.yaml")
    assert summary.passed and summary._repr_html_().count("<svg") == 2
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and set(_children()) - before:
        time.sleep(0.05)
    assert {pid: state for pid, state in _children().items() if pid not in before} == {}


def test_a_process_is_reaped_at_once_when_no_thread_can_be_started(monkeypatch):
    import os
    import threading

    from autograder.sandbox.far.units import reap_later

    def refused(self):
        raise RuntimeError("can't start new thread")
    monkeypatch.setattr(threading.Thread, "start", refused)
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    reap_later(pid)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)                # reaped already: no zombie is left
