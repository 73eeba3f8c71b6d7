"""The book's own code, copied as a student would, gets full marks; so do the ways real files depart from it.

The fixtures (``samples/book.py``) are the chapter in the book's layout: the d2l
import first, ``d2l.set_figsize()`` and a scatter plot at top level, the training
loop and its prints at top level, and in the 2020 version the ``d2l.*`` tensor
aliases. Each is graded as a .py and as a notebook.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from autograder.grader import one
from autograder.inputs.read import load
from autograder.sandbox.client import Zygote
from samples.book import BOOK, EN_2021, as_py
from tests.conftest import REFERENCE, notebook


def _lost(report):
    return {r.check_id: r.message for r in report.results if not r.passed}


@pytest.mark.parametrize("version", list(BOOK))
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_the_books_code_gets_full_marks_with_nothing_to_note(grade, version, kind):
    cells = BOOK[version]
    source = as_py(cells) if kind == "py" else notebook(cells)
    report = grade(source, kind=kind)
    assert report.score == report.max_score, _lost(report)
    assert report.notes == (), report.notes


def test_the_book_exported_by_jupyter_with_get_ipython_and_display(grade):
    """`jupyter nbconvert --to script` writes magics as get_ipython() calls."""
    source = ("from IPython import get_ipython\nfrom IPython.display import display\n"
              + as_py(EN_2021).replace("# %matplotlib inline", "get_ipython().run_line_magic('matplotlib', 'inline')")
              + "\ndisplay(features[:3])\n")
    report = grade(source)
    assert report.score == report.max_score, _lost(report)
    assert report.notes == (), report.notes


def test_file_is_the_submissions_own_name(grade):
    """Real files start with `HERE = Path(__file__).parent`, before the functions."""
    source = ("from pathlib import Path\nHERE = Path(__file__).parent\n"
              "assert Path(__file__).name == 'my_linreg.py', __file__\n"
              "assert (HERE / 'my_linreg.py').read_text().startswith('from pathlib')\n" + REFERENCE)
    report = grade(source, name="my_linreg")
    assert report.score == report.max_score, _lost(report)
    assert report.notes == (), report.notes


def test_a_late_name_error_costs_only_its_statement(grade):
    source = REFERENCE + "\nprint(true_w_typo)\nLATER = 1\n"
    line = REFERENCE.count("\n") + 2
    report = grade(source)
    assert report.score == report.max_score, _lost(report)
    assert report.notes == (f"the file, line {line} (`print(true_w_typo)`) raised NameError: name "
                            "'true_w_typo' is not defined; it was skipped and the statements after it ran",)


def test_an_early_failure_keeps_the_functions_defined_after_it(grade):
    source = "import torch\nimport random\nimport no_such_package\n" + REFERENCE.split("import torch", 1)[1]
    report = grade(source)
    assert report.score == report.max_score, _lost(report)
    assert len(report.notes) == 1 and "line 3 (`import no_such_package`)" in report.notes[0]


def test_a_slow_training_loop_at_the_end_costs_only_that_loop(grade, course):
    quick = course.model_copy(update={"limits": course.limits.model_copy(update={"cell_seconds": 1.0})})
    source = as_py(EN_2021).replace("num_epochs = 3", "num_epochs = 10_000")
    report = grade(source, settings=quick)
    assert report.score == report.max_score, _lost(report)
    assert len(report.notes) == 1, report.notes
    assert "(`for epoch in range(num_epochs):`): it did not finish within the 1 s limit" in report.notes[0]


def _write_and_grade(worker, course, tmp_path, data: bytes, name: str = "sub"):
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    return one.grade(worker, load(path), course, b"test-secret")


def test_a_byte_order_mark_is_read_as_python_reads_it(worker, course, tmp_path):
    report = _write_and_grade(worker, course, tmp_path, b"\xef\xbb\xbf" + as_py(EN_2021).encode("utf-8"))
    assert report.score == report.max_score, _lost(report)


def test_a_pep_263_latin_1_file_is_read_as_python_reads_it(worker, course, tmp_path):
    text = "# -*- coding: latin-1 -*-\n# régression linéaire, écrite à la main\n" + REFERENCE + \
        "\nassert 'é' == '\\xe9'\n"
    report = _write_and_grade(worker, course, tmp_path, text.encode("latin-1"))
    assert report.score == report.max_score, _lost(report)
    assert report.notes == (), report.notes


def test_a_file_that_is_not_in_its_declared_encoding_is_a_clear_error(worker, course, tmp_path):
    data = ("# -*- coding: ascii -*-\n# régression\n" + REFERENCE).encode("utf-8")
    report = _write_and_grade(worker, course, tmp_path, data)
    assert report.score == 0
    assert "sub.py" in report.results[0].message and "ascii" in report.results[0].message


# ---- a busy machine ------------------------------------------------------------

HOG = "while True:\n    pass\n"


def test_a_busy_machine_does_not_fail_code_that_trains_at_top_level(course, tmp_path):
    """Two CPU-bound processes share one core with the grader's sandbox, so the file
    gets about a third of it: its top-level training (about 0.5 s of CPU time) takes
    well over its 1 s cell limit of wall time, and is within the limit in CPU time."""
    source = as_py(EN_2021).replace("num_epochs = 3", "num_epochs = 30")
    settings = course.model_copy(update={"limits": course.limits.model_copy(update={"cell_seconds": 1.0})})
    path = tmp_path / "busy.py"
    path.write_text(source, encoding="utf-8")
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})      # inherited by the hogs and the grader's zygote
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(2)]
    try:
        zygote = Zygote()
        os.sched_setaffinity(0, before)
        try:
            report = one.grade(zygote, load(path), settings, b"test-secret")
        finally:
            zygote.close()
    finally:
        os.sched_setaffinity(0, before)
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert report.score == report.max_score, (_lost(report), report.notes)
    assert report.notes == (), report.notes
    assert report.seconds > 1.0    # the machine really was busy: the cell took longer than its limit


# ---- the book's d2l --------------------------------------------------------------

def test_functions_taken_from_d2l_are_a_named_mistake(grade):
    source = as_py(EN_2021)
    linreg = source[source.index("def linreg("):source.index("def squared_loss(")]
    source = source.replace(linreg, "linreg = d2l.linreg\n\n\n")
    sgd = source[source.index("def sgd("):source.index("lr = 0.03")]
    source = source.replace(sgd, "def sgd(params, lr, batch_size):\n    return d2l.sgd(params, lr, batch_size)\n\n\n")
    report = grade(source)
    lost = {r.function for r in report.results if not r.passed}
    assert lost == {"linreg", "sgd"}, _lost(report)
    for result in report.results:
        if not result.passed:
            assert result.mistake == "any.uses_d2l"
            assert f"uses the book's `d2l.{result.function}` instead of writing it" in result.message


def test_d2l_in_the_students_own_training_and_plots_costs_nothing(grade):
    source = as_py(EN_2021).replace("features, labels = synthetic_data(true_w, true_b, 1000)",
                                    "features, labels = d2l.synthetic_data(true_w, true_b, 1000)")
    source += "\nd2l.plot(list(range(3)), [[1, 2, 3]], xlabel='epoch', legend=['loss'])\n"
    report = grade(source)
    assert report.score == report.max_score, _lost(report)
    assert report.notes == (), report.notes


# ---- the submission's budget -------------------------------------------------------

def test_cells_that_sleep_cannot_hold_a_slot_past_the_submissions_budget(grade, course):
    limits = course.limits.model_copy(update={"cell_seconds": 1.0, "submission_seconds": 4.0})
    settings = course.model_copy(update={"limits": limits})
    cells = [REFERENCE] + ["import time\ntime.sleep(100)"] * 12
    start = time.monotonic()
    report = grade(notebook(cells), kind="ipynb", settings=settings)
    assert time.monotonic() - start < 4.0 + 3.0
    assert report.score == 0
    assert {r.mistake for r in report.results} == {"any.out_of_budget"}, _lost(report)
    assert "whole budget of 4 s" in report.results[0].message
    assert any("cells after it did not run" in note for note in report.notes), report.notes


def test_import_d2l_then_d2l_torch(grade):
    source = REFERENCE + ("\nimport d2l\nd2l.torch.set_figsize()\nd2l.torch.use_svg_display()\n"
                          "timer = d2l.torch.Timer()\nX = d2l.torch.normal(0, 1, (3, 2))\n"
                          "d2l.torch.plt.plot([1, 2], [3, 4])\nassert timer.stop() >= 0\n")
    report = grade(source)
    assert report.score == report.max_score, _lost(report)
    assert report.notes == (), report.notes
