"""nbgrader's source notebook: the exercise with solution regions and one autograded test cell per check.

Built from the exercise's single source (``autograder.exercise.cells_of``): each stub
body (``raise NotImplementedError(...)``) becomes ``### BEGIN SOLUTION`` / the reference
body, taken by function name from the reference solution with ``ast`` / ``### END
SOLUTION``, and each ``check("name")`` cell becomes one test cell per check of that
name, with course.yaml's points. A hidden check's cell holds its call, with the
course-level seed, between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``,
which `nbgrader generate_assignment` strips from the release.
"""
from __future__ import annotations

import ast
import re

import nbformat

from autograder import spec
from autograder.course import Settings
from autograder.errors import ConfigError
from autograder.exercise import cells_of

_CHECK_CELL = re.compile(r"""^check\(\s*["'](\w+)["']\s*\)\s*$""")
SCHEMA_VERSION = 3      # nbgrader's cell metadata schema (nbgrader 0.9)


def grade_id(check_id: str) -> str:
    """The nbgrader grade cell id of a check: nbgrader allows letters, digits, ``_`` and ``-``."""
    return "test-" + check_id.replace(".", "-")


GRADE_IDS = {grade_id(c): c for c in spec.CHECKS}      # grade cell id -> check id


def reference_bodies(solution: str, where: str) -> dict[str, str]:
    """Each function's body in the reference solution, without its docstring, as written."""
    try:
        tree = ast.parse(solution)
    except SyntaxError as exc:
        raise ConfigError(f"{where}: not valid Python ({exc.msg}, line {exc.lineno})") from None
    lines = solution.splitlines()
    bodies = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in spec.FUNCTIONS:
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str) and len(body) > 1):
                body = body[1:]
            bodies[node.name] = "\n".join(lines[body[0].lineno - 1:body[-1].end_lineno])
    missing = [f for f in spec.FUNCTIONS if f not in bodies]
    if missing:
        raise ConfigError(f"{where}: no function {', '.join(missing)} (expected the reference "
                          f"solution of all of {', '.join(spec.FUNCTIONS)})")
    return bodies


def _with_solution(text: str, bodies: dict[str, str], where: str) -> tuple[str | None, str]:
    """A code cell's text with its stub's ``raise NotImplementedError`` replaced by the
    solution region; (None, text) when the cell defines no stub."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None, text
    lines = text.splitlines()
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name in bodies):
            continue
        stub = [s for s in node.body if isinstance(s, ast.Raise) and isinstance(s.exc, ast.Call)
                and getattr(s.exc.func, "id", None) == "NotImplementedError"]
        if not stub:
            raise ConfigError(f"{where}: {node.name} has no `raise NotImplementedError(...)` stub "
                              "(expected one to replace with the solution)")
        first, last = stub[0].lineno - 1, stub[0].end_lineno
        indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
        region = [f"{indent}### BEGIN SOLUTION", *bodies[node.name].splitlines(), f"{indent}### END SOLUTION"]
        return node.name, "\n".join(lines[:first] + region + lines[last:])
    return None, text


def test_source(check_id: str, points: float, hidden_seed: int | None) -> str:
    """The source of one test cell: its call is the cell's last expression (nbgrader's partial credit)."""
    call = (f"from autograder.check import grade_cell\n"
            f"grade_cell({check_id!r}, points={points:g}"
            + (f", seed={hidden_seed})" if hidden_seed is not None else ")"))
    if hidden_seed is None:
        return call
    return f"### BEGIN HIDDEN TESTS\n{call}\n### END HIDDEN TESTS"


def _meta(cell_id: str, *, solution=False, grade=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": cell_id, "locked": not solution,
            "schema_version": SCHEMA_VERSION, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def build(exercise: str, solution: str, settings: Settings, hidden_seed: int,
          where: tuple[str, str] = ("exercise", "solution")) -> nbformat.NotebookNode:
    """The source notebook. ``where`` names the two files in messages."""
    bodies = reference_bodies(solution, where[1])
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    solved, tested = set(), set()
    for kind, text in cells_of(exercise):
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        if text.strip() == "check()":
            continue        # the student's "check everything": the test cells above do it here
        found = _CHECK_CELL.match(text.strip())
        if found and found.group(1) in spec.UNITS:
            for check in spec.CHECKS.values():
                if check.function != found.group(1):
                    continue
                setting = settings.check(check.id)
                seed = hidden_seed if setting.visibility == "hidden" else None
                nb.cells.append(nbformat.v4.new_code_cell(
                    test_source(check.id, setting.points, seed),
                    metadata=_meta(grade_id(check.id), grade=True, points=setting.points)))
                tested.add(check.id)
            continue
        name, text = _with_solution(text, bodies, where[0])
        if name is None:
            nb.cells.append(nbformat.v4.new_code_cell(text))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(text, metadata=_meta(name, solution=True)))
            solved.add(name)
    missing = [f for f in spec.FUNCTIONS if f not in solved] + [c for c in spec.CHECKS if c not in tested]
    if missing:
        raise ConfigError(f"{where[0]}: no stub or check() cell for {', '.join(missing)} (expected a "
                          "stub of each function and a check(\"name\") cell after each)")
    for i, cell in enumerate(nb.cells):
        cell["id"] = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell-{i}"
    nbformat.validate(nb)
    return nb
