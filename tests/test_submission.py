import json

import pytest

from autograder.errors import UsageError
from autograder.inputs.discover import discover
from autograder.inputs.read import load
from tests.conftest import REFERENCE, notebook


def test_python_file(tmp_path):
    p = tmp_path / "alice.py"
    p.write_text(REFERENCE)
    sub = load(p)
    assert (sub.id, sub.kind, sub.error) == ("alice", "py", None)
    assert sub.cells == (REFERENCE,) and len(sub.sha256) == 64


def test_notebook_code_cells_only(tmp_path):
    p = tmp_path / "bob.ipynb"
    p.write_text(notebook(["x = 1", "y = 2"]))
    assert load(p).cells == ("x = 1", "y = 2")


@pytest.mark.parametrize("name, content, expected", [
    ("broken.ipynb", '{"cells": [', "not a notebook: invalid JSON at line 1, column"),
    ("foreign.ipynb", json.dumps({"cells": 3, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}),
     "not a valid notebook"),
    ("empty.py", "", "the file is empty"),
    ("blank.ipynb", "  \n", "the file is empty"),
    ("binary.py", "\0\1\2abc", "a binary file, not Python source"),
    ("latin.py", "x = 'caf\xe9'".encode("latin-1"), "is not UTF-8 text"),
])
def test_unreadable_submissions_get_a_reason_that_names_the_file(tmp_path, name, content, expected):
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    sub = load(p)
    assert expected in sub.error and str(p) in sub.error


def test_huge_file(tmp_path):
    p = tmp_path / "huge.py"
    p.write_bytes(b"#" * (21 * 1024 * 1024))
    assert "larger than" in load(p).error


def test_directories_and_nbgrader_trees(tmp_path):
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "carol.py").write_text("x = 1")
    tree = tmp_path / "submitted" / "dave" / "linreg"
    tree.mkdir(parents=True)
    (tree / "linreg.ipynb").write_text(notebook(["x = 1"]))
    (tree / ".ipynb_checkpoints").mkdir()
    (tree / ".ipynb_checkpoints" / "linreg-checkpoint.ipynb").write_text(notebook(["x = 1"]))
    subs = discover([str(tmp_path / "loose"), str(tmp_path / "submitted")])
    assert sorted(s.id for s in subs) == ["carol", "dave"]


def test_two_inputs_with_one_id_stop_before_grading(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "erin.py").write_text("x = 1")
    (tmp_path / "b" / "erin.ipynb").write_text(notebook(["x = 1"]))
    with pytest.raises(UsageError, match="two submissions have the id 'erin'"):
        discover([str(tmp_path / "a"), str(tmp_path / "b")])


@pytest.mark.parametrize("make, expected", [
    (lambda p: None, "no such file or directory"),
    (lambda p: p.write_text("x"), "expected a .py or .ipynb file"),
    (lambda p: p.mkdir(), "no .py or .ipynb files"),
])
def test_bad_inputs(tmp_path, make, expected):
    p = tmp_path / "thing.txt"
    make(p)
    with pytest.raises(UsageError, match=expected):
        discover([str(p)])


def test_globs_are_expanded_when_the_shell_did_not(tmp_path):
    (tmp_path / "a.py").write_text("x = 1")
    (tmp_path / "b.ipynb").write_text(notebook(["x = 1"]))
    (tmp_path / "c.txt").write_text("x")
    assert [s.id for s in discover([str(tmp_path / "*.py")])] == ["a"]
    with pytest.raises(UsageError, match="matches no file"):
        discover([str(tmp_path / "*.zip")])


def test_sources_are_read_only_when_loaded(tmp_path):
    p = tmp_path / "late.py"
    p.write_text("x = 1")
    (source,) = discover([str(p)])
    p.write_text("x = 2")
    assert source.load().cells == ("x = 2",)
