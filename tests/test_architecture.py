"""The layout keeps its two rules: commands that need no torch do not load it, and the far side
of the sandbox never holds the grader's code. No import cycles; every module says what it is."""
import ast
import json
import subprocess
import sys

import yaml

from samples.mutants import REFERENCE
from tests.conftest import ROOT

PACKAGE = ROOT / "autograder"

# Runs one command in a fresh interpreter and prints the torch modules it left loaded.
LOADED_AFTER = """
import json, sys
from autograder import cli
try:
    code = cli.main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "torch": sorted(m for m in sys.modules if m.split(".")[0] == "torch")}))
"""


def _loaded_after(*argv, cwd):
    run = subprocess.run([sys.executable, "-c", LOADED_AFTER, *argv], cwd=cwd, capture_output=True,
                         text=True, timeout=120)
    return json.loads(run.stdout.strip().splitlines()[-1]), run.stderr


def _gradebook_with_one_grading(tmp_path):
    """A gradebook holding one report, stored without grading anything (no torch here either)."""
    from autograder.model import CheckResult, Report
    from autograder.store.gradebook import Gradebook

    report = Report("alice", "alice.py", "ab" * 32, (CheckResult(
        "sgd.update", "sgd", "sgd: updates", True, 2.0, 2.0, "public", None, "Passed.", 7),))
    with Gradebook(tmp_path / "autograder.db") as gradebook:
        gradebook.record(report, "alice", "linreg", "hash", 0.0)


def test_commands_that_need_no_torch_do_not_import_it(tmp_path):
    _gradebook_with_one_grading(tmp_path)
    (tmp_path / "wrong.yaml").write_text("assignment: linreg\nlimts: {probe_seconds: 1}\n")
    (tmp_path / "course.yaml").write_text((ROOT / "course.yaml").read_text())
    assert "checks" in yaml.safe_load((tmp_path / "course.yaml").read_text())
    (tmp_path / "alice.py").write_text(REFERENCE)
    cases = {
        "--help": (["--help"], 0),
        "a wrong key in course.yaml": (["export", "csv", "--config", "wrong.yaml"], 2),
        "grade with a wrong key in course.yaml": (["grade", "alice.py", "--config", "wrong.yaml"], 2),
        "a course.yaml with checks:": (["export", "csv", "--out", "checks.csv"], 0),
        "export csv": (["export", "csv", "--out", "autograder-grades.csv", "--canvas", "canvas.csv"], 0),
        "report": (["report", "--out", "report.html"], 0),
        "nbgrader init": (["nbgrader", "init", "nbcourse"], 0),
        "gradescope build": (["gradescope", "build", "--out", "autograder.zip"], 0),
    }
    for name, (argv, code) in cases.items():
        seen, stderr = _loaded_after(*argv, cwd=tmp_path)
        assert seen["code"] == code, (name, stderr)
        assert seen["torch"] == [], f"{name} imported {seen['torch'][:3]}"
    assert "wrong.yaml: limts: unknown key" in _loaded_after(*cases["a wrong key in course.yaml"][0],
                                                           cwd=tmp_path)[1]
    assert "alice," in (tmp_path / "autograder-grades.csv").read_text()
    assert "alice" in (tmp_path / "report.html").read_text()


def test_the_grading_does_import_torch_so_the_test_above_can_fail(tmp_path):
    (tmp_path / "alice.py").write_text(REFERENCE)
    seen, stderr = _loaded_after("grade", "alice.py", "--quiet", "--out", "out", cwd=tmp_path)
    assert seen["code"] == 0, stderr
    assert "torch" in seen["torch"]


FAR_SIDE_MODULES = '''
import sys
raise RuntimeError(repr(sorted(m for m in sys.modules if m.split(".")[0] == "autograder")))
'''


def test_the_far_side_holds_no_grader_store_or_sink_module(grade):
    report = grade(REFERENCE + FAR_SIDE_MODULES)
    note = next(n for n in report.notes if "RuntimeError" in n)
    loaded = ast.literal_eval(note[note.index("['"):note.index("']") + 2])
    assert "autograder.sandbox.far.runner" in loaded and "autograder.sandbox.far.probes" in loaded
    near = [m for m in loaded if m.startswith(("autograder.grader", "autograder.store",
                                               "autograder.sinks", "autograder.course",
                                               "autograder.inputs", "autograder.cli",
                                               "autograder.sandbox.client", "autograder.sandbox.launch"))]
    assert near == []
    allowed = {"autograder", "autograder.check", "autograder.spec", "autograder.sandbox",
               "autograder.sandbox.protocol", "autograder.sandbox.environment"}
    assert {m for m in loaded if not m.startswith("autograder.sandbox.far")} <= allowed, loaded


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text(encoding="utf-8"))


def _imports(name: str, path, tree) -> set[str]:
    """Every autograder module that a module imports, also inside functions; not the packages
    above it, which Python imports first anyway."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    known = {n for n, _, _ in _modules()}
    return {m for m in found if m in known and not name.startswith(m + ".") and m != name}


def test_there_are_no_import_cycles():
    graph = {name: _imports(name, path, tree) for name, path, tree in _modules()}
    assert graph["autograder.grader.one"] >= {"autograder.sandbox.client", "autograder.model"}
    done, cycles = set(), []

    def visit(node, stack):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, stack + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    assert cycles == [], cycles[:3]


def test_only_the_grader_talks_to_the_near_side_of_the_sandbox():
    for name, path, tree in _modules():
        near = _imports(name, path, tree) & {"autograder.sandbox.client", "autograder.sandbox.launch"}
        if near:
            assert name.startswith(("autograder.grader", "autograder.sandbox.")), (name, near)


def test_the_far_side_imports_nothing_of_the_near_side():
    for name, path, tree in _modules():
        if name.startswith("autograder.sandbox.far"):
            outside = {m for m in _imports(name, path, tree) if not m.startswith("autograder.sandbox")}
            assert outside == set(), (name, outside)


def test_every_module_says_on_its_first_line_what_it_is():
    for name, path, tree in _modules():
        doc = ast.get_docstring(tree)
        assert doc and doc.splitlines()[0].strip(), f"{path.relative_to(ROOT)} has no docstring"
