from __future__ import annotations

import itertools
import os
from pathlib import Path

import nbformat
import pytest

from autograder import course as settings_mod
from autograder.grader import one
from autograder.sandbox.client import Zygote
from autograder.inputs.read import load

ROOT = Path(__file__).parents[1]
REFERENCE = (ROOT / "solutions" / "linreg.py").read_text(encoding="utf-8")
_counter = itertools.count()


@pytest.fixture(scope="session")
def worker():
    """The grader's warm worker, as `autograder grade` starts it."""
    w = Zygote()
    yield w
    w.close()


@pytest.fixture(scope="session")
def course():
    return settings_mod.load(ROOT / "course.yaml")


def notebook(cells: list[str]) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb)


def _grader(worker, course, folder):
    def run(source: str, kind: str = "py", settings=None, name: str | None = None, parallel: int = 1):
        path = folder / f"{name or f'sub{next(_counter)}'}.{kind}"
        path.write_text(source, encoding="utf-8")
        return one.grade(worker, load(path), settings or course, b"test-secret", parallel=parallel)
    return run


@pytest.fixture
def grade(worker, course, tmp_path):
    """grade(source, kind="py", settings=None, parallel=1) -> Report, through the real sandbox."""
    return _grader(worker, course, tmp_path)


@pytest.fixture(scope="session")
def container_worker():
    """The warm worker in container mode (no namespaces, for Docker and Gradescope). It is forced
    here, outside a container, so it builds the same layers as inside one; tests/test_gradescope.py
    runs it inside tests/container.py."""
    if os.getuid() != 0:
        pytest.skip("container mode drops to a uid of its own: it needs root")
    w = Zygote(sandbox="container")
    yield w
    w.close()


SANDBOXES = ["default", "container"]


@pytest.fixture(params=SANDBOXES)
def sandboxed(request, course, tmp_path):
    """As ``grade``, once in the default mode (root or userns) and once in container mode;
    ``sandboxed.mode`` says which."""
    worker = request.getfixturevalue("worker" if request.param == "default" else "container_worker")
    run = _grader(worker, course, tmp_path)
    run.mode = request.param
    return run


def children(pid: int | str = "self") -> list[int]:
    """The direct children of a process, from /proc/<pid>/task/*/children."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            pass          # a thread or the process ended meanwhile
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def lost_points(report) -> dict[str, float]:
    """function -> points lost."""
    return {f: total - got for f, (got, total) in report.function_scores().items() if got < total}


def failed(report, function: str) -> list:
    return [r for r in report.results if r.function == function and not r.passed]
