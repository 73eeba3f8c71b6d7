"""What a submission does in its process costs only its own probes."""
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REFERENCE, descendants, failed, lost_points, notebook
from samples.mutants import replace_function


@pytest.fixture
def quick(course):
    return course.model_copy(update={"limits": course.limits.model_copy(
        update={"probe_seconds": 1.0, "cell_seconds": 1.0, "training_seconds": 5.0})})


def with_function(function: str, body: str) -> str:
    old, new = replace_function(function, body)
    return REFERENCE.replace(old, new)


def test_infinite_loop_in_a_function_costs_one_limit_and_only_that_function(grade, quick):
    source = with_function("squared_loss", "def squared_loss(y_hat, y):\n    while True:\n        pass\n")
    start = time.monotonic()
    report = grade(source, settings=quick)
    elapsed = time.monotonic() - start
    assert set(lost_points(report)) == {"squared_loss", "training"}
    assert all(r.mistake == "any.timed_out" for r in failed(report, "squared_loss"))
    assert "did not finish within 1 s" in failed(report, "squared_loss")[0].message
    training = failed(report, "training")[0]
    assert training.mistake == "training.blocked" and "squared_loss" in training.message
    # one limit in all: the other squared_loss probes and training are not run
    assert elapsed < 1.0 + 3.0


def test_os_exit_in_a_function_costs_only_that_function(grade, course):
    source = with_function("sgd", "def sgd(params, lr, batch_size):\n    import os\n    os._exit(3)\n")
    report = grade(source)
    assert set(lost_points(report)) == {"sgd", "training"}
    out = failed(report, "sgd")[0]
    assert out.mistake == "any.exited" and "code 3" in out.message


@pytest.mark.parametrize("statement, shown", [("sys.exit(4)", "sys.exit(4)"),
                                              ("raise KeyboardInterrupt", "KeyboardInterrupt"),
                                              ("raise SystemExit", "SystemExit")])
def test_exits_and_interrupts_in_a_function_are_named(grade, statement, shown):
    source = with_function("linreg", f"def linreg(X, w, b):\n    import sys\n    {statement}\n")
    report = grade(source)
    assert set(lost_points(report)) == {"linreg", "training"}
    out = failed(report, "linreg")[0]
    assert out.mistake == "any.exited" and shown in out.message


def test_segfault_in_a_function_is_reported_as_a_crash(grade):
    source = with_function("data_iter", "def data_iter(batch_size, features, labels):\n"
                                        "    import ctypes\n    ctypes.string_at(0)\n")
    report = grade(source)
    assert set(lost_points(report)) == {"data_iter", "training"}
    out = failed(report, "data_iter")[0]
    assert out.mistake == "any.crashed" and "SIGSEGV" in out.message


def test_printing_a_flood_does_not_reach_the_grader(grade, capfd):
    source = with_function("squared_loss", "def squared_loss(y_hat, y):\n"
                           "    print('x' * 10_000_000)\n"
                           "    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2\n")
    report = grade(source)
    assert report.score == report.max_score
    out, err = capfd.readouterr()
    assert "xxxxxxxxxx" not in out + err


def test_sys_exit_at_import_keeps_what_was_defined_and_says_so(grade):
    report = grade(REFERENCE + "\nimport sys\nsys.exit(0)\n")
    assert report.score == report.max_score
    assert any("sys.exit(0)" in note for note in report.notes)


def test_os_exit_at_import_costs_the_submission(grade):
    report = grade(REFERENCE + "\nimport os\nos._exit(0)\n")
    assert report.score == 0
    assert all(r.mistake == "any.not_loaded" for r in report.results)
    assert "exited with code 0" in report.results[0].message


def test_hang_at_the_end_of_a_file_costs_only_that_statement(grade, quick):
    start = time.monotonic()
    report = grade(REFERENCE + "\nwhile True:\n    pass\n", settings=quick)
    assert time.monotonic() - start < 1.0 + 5.0
    assert report.score == report.max_score
    line = (REFERENCE + "\nwhile True:").count("\n") + 1
    assert report.notes == (f"the file, line {line} (`while True:`): it did not finish within "
                            "the 1 s limit (CPU time) and was stopped; the statements after it ran",)


def test_hang_before_the_functions_are_defined_keeps_the_functions_after_it(grade, quick):
    report = grade("import torch, random\nwhile True:\n    pass\n" + REFERENCE, settings=quick)
    assert report.score == report.max_score
    assert len(report.notes) == 1 and report.notes[0].startswith("the file, line 2 (`while True:`)")


def test_notebook_hanging_cell_is_skipped_and_later_cells_run(grade, quick):
    cells = ["import torch\nimport random", "x = 1\nwhile True:\n    x += 1", REFERENCE]
    report = grade(notebook(cells), kind="ipynb", settings=quick)
    assert report.score == report.max_score
    assert report.notes == ("code cell 2, line 2 (`while True:`): it did not finish within the "
                            "1 s limit (CPU time) and was stopped; the statements after it ran",)


def test_notebook_statement_that_raises_keeps_the_rest_of_its_cell(grade):
    cells = ["import random\nimport no_such_module\nimport torch", REFERENCE.split("import torch")[1]]
    report = grade(notebook(cells), kind="ipynb")
    assert report.score == report.max_score
    assert report.notes == ("code cell 1, line 2 (`import no_such_module`) raised ModuleNotFoundError: "
                            "No module named 'no_such_module'; it was skipped and the statements after it ran",)


def test_notebook_cell_magics(grade):
    cells = ["%%bash\necho hi", "%%time\nimport random\nimport torch",
             "%load_ext autoreload\n!ls\nfiles = !ls\n" + REFERENCE]
    report = grade(notebook(cells), kind="ipynb")
    assert report.score == report.max_score


def test_a_dying_notebook_cell_rolls_back_to_its_checkpoint(grade):
    cells = [REFERENCE, "def sgd(params, lr, batch_size):\n    pass\nimport os\nos._exit(1)"]
    report = grade(notebook(cells), kind="ipynb")
    # the cell died, so its redefinition of sgd never happened
    assert report.score == report.max_score
    assert any("code cell 2 ended the process" in note for note in report.notes)


def test_state_does_not_leak_between_probes(grade):
    """A function that breaks torch for later calls breaks only its own probe."""
    source = with_function("squared_loss", "def squared_loss(y_hat, y):\n"
                           "    torch.matmul = None\n"
                           "    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2\n")
    report = grade(source)
    assert set(lost_points(report)) <= {"training"}


def test_plotting_cells_run_headless(grade):
    cells = [REFERENCE, "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nplt.show()\n"
             "fig = plt.gcf()\nfig.savefig('plot.png')"]
    report = grade(notebook(cells), kind="ipynb")
    assert report.score == report.max_score
    assert report.notes == ()


@pytest.mark.parametrize("source, expected", [
    ("import torch\nfrom torch import nn\n\ndef f(x, y=2):\n    while True:\n        pass\n", True),
    ('"""doc"""\ndef g(a, *, b=None):\n    return a\n', True),
    ("pass\nimport random\npass", True),
    ("x = 1", False),
    ("def f(x=print('hi')):\n    pass", False),
    ("@decorator\ndef f():\n    pass", False),
    ("def f(x: side_effect()):\n    pass", False),
    ("class A:\n    pass", False),
    ("from . import x", False),
    ("while True:\n    pass", False),
    ("def f(:", False),
])
def test_only_cells_that_run_no_student_code_skip_the_checkpoint(source, expected):
    from autograder.sandbox.far.cells import is_declarative
    assert is_declarative(source) is expected


LEAKY_SYNTHETIC_DATA = '''def synthetic_data(w, b, num_examples):
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    y = y.reshape((-1, 1))
    global linreg, squared_loss
    linreg = lambda X, w, b: None                      # rebinds the student's own names
    del squared_loss
    torch.matmul = lambda a, b: torch.zeros(1)         # patches torch
    torch.Tensor.reshape = lambda self, *shape: self
    torch.set_default_dtype(torch.float64)             # flips torch's global switches
    torch.set_grad_enabled(False)
    return X, y
'''


@pytest.mark.parametrize("parallel", [1, 2], ids=["in turn", "side by side"])
def test_a_functions_side_effects_reach_no_other_functions_probes(grade, parallel):
    """The five functions' probes share one process; each starts from the state the cells
    left, so synthetic_data's patches cost only training, where all five run together."""
    report = grade(with_function("synthetic_data", LEAKY_SYNTHETIC_DATA), parallel=parallel)
    assert set(lost_points(report)) == {"training"}


def test_a_hang_in_the_first_function_leaves_the_others_probed(grade, quick):
    source = with_function("synthetic_data", "def synthetic_data(w, b, num_examples):\n"
                                             "    while True:\n        pass\n")
    start = time.monotonic()
    report = grade(source, settings=quick)
    assert set(lost_points(report)) == {"synthetic_data", "training"}
    assert time.monotonic() - start < 1.0 + 3.0


def _states(pids: list[int], name: str) -> list[str]:
    states = []
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm, state = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2]
        if comm == name:
            states.append(state)
    return states


def test_training_waits_paused_while_a_function_probe_runs_long(worker, grade, quick):
    """Side by side, training calls the hanging linreg too: instead of burning a second
    core until linreg's limit, it is paused (SIGSTOP) once linreg's probe runs long,
    and then stopped as blocked. A normal submission is never paused: see the test of
    identical verdicts side by side and in turn."""
    source = with_function("linreg", "def linreg(X, w, b):\n    while True:\n        pass\n")
    result = {}
    grading_thread = threading.Thread(
        target=lambda: result.update(report=grade(source, settings=quick, parallel=2)))
    grading_thread.start()
    seen = []
    deadline = time.monotonic() + 0.9
    while time.monotonic() < deadline:
        seen += _states(descendants(worker.pid), "ag-training")
        time.sleep(0.05)
    grading_thread.join()
    assert "T" in seen                                   # stopped, not running
    assert seen[-1] == "T"
    report = result["report"]
    assert set(lost_points(report)) == {"linreg", "training"}
    assert [r.mistake for r in failed(report, "training")] == ["training.blocked"]
