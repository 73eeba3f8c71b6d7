"""Our grader side by side with the real nbgrader and the real otter-grader, in one run.

Run:  .venv/bin/python bench/compare_tools.py [--tools ours,nbgrader,otter]
                                                [--students 20] [--keep DIR]

The same class is graded by each tool: 15 correct students (solutions/linreg.py)
and 5 others, one each: squared_loss without the reshape, sgd without
`param.grad.zero_()`, a linreg that never returns (`while True: pass`), and an
sgd that calls `sys.exit(1)` or `os._exit(0)`. Those five are s01..s05 and correct
students fill the rest, so `--students 5` grades only the five.

Each tool gets the class in its own format and an equivalent rubric: the checks
of course.yaml, same names and points (bench/compare_tools/rubric.py holds the
test code the other two tools run):
  ours      one plain .ipynb per student, `autograder grade DIR --jobs 1`, then
            `--jobs 2` (from the repo root, so course.yaml applies), each run with
            a fresh gradebook of its own, so nothing is skipped as already graded.
  nbgrader  a course directory: source/linreg/linreg.ipynb with solution cells
            and one locked test cell per check, `nbgrader generate_assignment`,
            submitted/<student>/linreg/linreg.ipynb, then the timed
            `nbgrader autograde linreg --Execute.timeout=30`; scores come from
            gradebook.db.
  otter     the plain notebooks plus tests/ with one OK-format file per function
            (one case per check), `otter generate`, then the timed `otter run`
            per notebook. `otter grade` needs a Docker daemon and images from a
            registry, so `otter run` (otter's non-containerized grading) it is;
            it has no timeout of its own, so this script kills a run after 60 s,
            as `otter grade --timeout 60` would.

nbgrader and otter-grader are installed on first use, each into its own venv under
build/bench-venvs/, torch==2.13.0 and numpy==2.2.6 first so that pip never picks
another torch. A tool that cannot be installed or run is reported as unavailable,
with the reason.

Measured per tool: wall seconds per submission (the whole timed command(s) over
the number of students), peak memory (the sum of PSS over the tool's process
tree, every descendant included, sampled every 1 s: bench/measure.py), and how many notebooks got the score
they should: the points of every check that the student's code does not break
(a hang or an exit in a function costs that function's checks and training, and
nothing else). The exit code is 0 whatever the tools score; non-zero only when
this script itself fails.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import pprint
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "compare_tools"))

from rubric import TESTS  # noqa: E402

sys.path.insert(0, str(HERE))
from measure import measured  # noqa: E402

VENVS = ROOT / "build" / "bench-venvs"
BASE_PINS = ["torch==2.13.0", "numpy==2.2.6"]      # installed first, and kept pinned after
TOOL_PINS = {
    "nbgrader": ["nbgrader==0.9.6"],
    # `otter run` executes the notebook in a Jupyter kernel; otter-grader does not depend on one
    "otter": ["otter-grader==7.0.0", "ipykernel==7.4.0"],
}
NBGRADER_CELL_TIMEOUT = 30     # s per cell: nbgrader's own default, and course.yaml's cell_seconds
OTTER_RUN_TIMEOUT = 60         # s per `otter run`, which has no timeout of its own
BATCH_GUARD = 3600             # s: a whole batch is stopped after this (a tool that hangs for good)
FUNCTIONS = ("synthetic_data", "data_iter", "linreg", "squared_loss", "sgd")

# ---------------------------------------------------------------------------- the class


@dataclass(frozen=True)
class Kind:
    name: str
    breaks: tuple[str, ...]                 # checks this student's code must lose
    edit: tuple[str, str, str] | None       # (function, old text, new text) in the reference
    replace: tuple[str, str] | None = None  # (function, its whole new source)


ALL_SGD = ("sgd.update", "sgd.in_place", "sgd.zero_grad", "training.converges")
KINDS = [
    Kind("no reshape", ("squared_loss.reshape",),
         ("squared_loss", "(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "(y_hat - y) ** 2 / 2")),
    Kind("no zero_grad", ("sgd.zero_grad", "training.converges"),
         ("sgd", "\n            param.grad.zero_()", "")),
    Kind("hang in linreg", ("linreg.value", "linreg.autograd", "training.converges"), None,
         ("linreg", "def linreg(X, w, b):\n    while True:\n        pass\n")),
    Kind("sys.exit in sgd", ALL_SGD,
         ("sgd", "    with torch.no_grad():", "    import sys\n    sys.exit(1)\n    with torch.no_grad():")),
    Kind("os._exit in sgd", ALL_SGD,
         ("sgd", "    with torch.no_grad():", "    import os\n    os._exit(0)\n    with torch.no_grad():")),
]
CORRECT = Kind("correct", (), None)


@dataclass
class Student:
    id: str
    kind: Kind
    functions: dict[str, str]               # name -> source of the def


def reference_functions() -> dict[str, str]:
    source = (ROOT / "solutions" / "linreg.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node)
            for node in tree.body if isinstance(node, ast.FunctionDef)}


def build_class(n: int) -> list[Student]:
    ref = reference_functions()
    missing = set(FUNCTIONS) - set(ref)
    if missing:
        raise SystemExit(f"solutions/linreg.py lacks {sorted(missing)}")
    kinds = KINDS[:n] + [CORRECT] * max(0, n - len(KINDS))
    students = []
    for i, kind in enumerate(kinds, 1):
        functions = {name: ref[name] for name in FUNCTIONS}
        if kind.edit:
            name, old, new = kind.edit
            if functions[name].count(old) != 1:
                raise SystemExit(f"{kind.name}: {old!r} not found once in the reference {name}")
            functions[name] = functions[name].replace(old, new)
        if kind.replace:
            name, new = kind.replace
            functions[name] = new.rstrip("\n")
        slug = re.sub(r"[^a-z0-9]+", "_", kind.name.lower()).strip("_")
        students.append(Student(f"s{i:02d}_{slug}", kind, functions))
    return students


def course_points() -> dict[str, int]:
    """check -> points, read from the `checks:` block of course.yaml (stdlib only, no YAML)."""
    text = (ROOT / "course.yaml").read_text(encoding="utf-8")
    points = {m.group(1): int(m.group(2))
              for m in re.finditer(r"^\s+([a-z_]+\.[a-z_]+):\s*\{points:\s*(\d+)", text, re.M)}
    if set(points) != set(TESTS):
        raise SystemExit("course.yaml's checks and bench/compare_tools/rubric.py differ: "
                         f"{sorted(set(points) ^ set(TESTS))}")
    return points


def expected_score(student: Student, points: dict[str, int]) -> int:
    return sum(p for check, p in points.items() if check not in student.kind.breaks)


# ---------------------------------------------------------------------------- notebooks


def code_cell(source: str, cell_id: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id,
            "metadata": metadata or {}, "outputs": [], "source": source}


def notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}}}


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def plain_notebook(student: Student) -> dict:
    cells = [code_cell("import random\nimport torch", "imports")]
    cells += [code_cell(student.functions[name], name.replace("_", "-")) for name in FUNCTIONS]
    return notebook(cells)


# ---------------------------------------------------------------------------- measuring


def tail(path: Path, lines: int = 6) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if line.strip() and "WARNING: Location" not in line]
    return " | ".join(kept[-lines:])


# ---------------------------------------------------------------------------- results


class Unavailable(Exception):
    """The tool cannot run here; the message says why."""


@dataclass
class Row:
    tool: str
    seconds_per_submission: float | None = None
    peak_mb: float | None = None
    right: int = 0
    total: int = 0
    notes: list[str] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)   # student -> score (None: none)


def judge(row: Row, students: list[Student], points: dict[str, int],
          scores: dict[str, float | None], why: dict[str, str] | None = None) -> None:
    """Count the students scored right; a note for each one that was not (and why, if known)."""
    why = why or {}
    row.scores = scores
    row.total = len(students)
    for s in students:
        got, want = scores.get(s.id), expected_score(s, points)
        if got is not None and abs(got - want) < 1e-6:
            row.right += 1
        else:
            shown = "no score" if got is None else f"{got:g}"
            row.notes.append(f"{s.kind.name}: {shown} (want {want})"
                             + (f", {why[s.id]}" if s.id in why else ""))


# ---------------------------------------------------------------------------- tool venvs


def ensure_venv(tool: str, work: Path) -> Path:
    """The venv of tool, created and installed on first use; its bin directory."""
    venv = VENVS / tool
    marker = venv / "bench-pins.txt"
    pins = BASE_PINS + TOOL_PINS[tool]
    if marker.exists() and marker.read_text().split() == pins:
        return venv / "bin"
    log = work / "logs" / f"install-{tool}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    python3 = shutil.which("python3") or sys.executable
    print(f"installing {' '.join(TOOL_PINS[tool])} into {venv.relative_to(ROOT)} "
          f"(first run only) ...", flush=True)
    steps = [[python3, "-m", "venv", str(venv)],
             [str(venv / "bin" / "pip"), "install", "--quiet", *BASE_PINS],
             [str(venv / "bin" / "pip"), "install", "--quiet", *pins]]
    with open(log, "ab") as out:
        for step in steps:
            rc = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL).returncode
            if rc != 0:
                shown = " ".join([Path(step[0]).name, *step[1:]])
                raise Unavailable(f"`{shown}` failed (exit {rc}): {tail(log, 3)}")
    marker.write_text("\n".join(pins) + "\n")
    return venv / "bin"


def tool_env(bin_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env.pop("PYTHONPATH", None)
    return env


# ---------------------------------------------------------------------------- ours


def run_ours(students, points, work: Path) -> list[Row]:
    exe = ROOT / ".venv" / "bin" / "autograder"
    if not exe.exists():
        raise Unavailable(".venv/bin/autograder is missing: run `make venv` first")
    folder = work / "ours" / "notebooks"
    for s in students:
        write_json(folder / f"{s.id}.ipynb", plain_notebook(s))
    env = dict(os.environ, AUTOGRADER_SECRET="bench")
    # a gradebook of our own per run: the default one (./autograder.db in the repo) would
    # both collect the benchmark's students and skip, as unchanged, what it graded before
    usage = subprocess.run([str(exe), "grade", "--help"], cwd=ROOT, env=env,
                           capture_output=True, text=True).stdout
    rows = []
    for jobs in (1, 2):
        out = work / "ours" / f"results-jobs{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [str(exe), "grade", str(folder), "--out", str(out), "--jobs", str(jobs)]
        if "--gradebook" in usage:
            gradebook = work / "ours" / f"gradebook-jobs{jobs}.db"
            gradebook.unlink(missing_ok=True)
            cmd += ["--gradebook", str(gradebook)]
        run = measured(cmd, ROOT, work / "logs" / f"ours-jobs{jobs}.log", BATCH_GUARD, env)
        row = Row(f"ours --jobs {jobs}", run.seconds / len(students), run.peak_mb)
        if run.returncode != 0:
            row.notes.append(f"exit {run.returncode}: {tail(run.log, 2)}")
        # the command's own summary: "... in 7.5 s, 0.37 s each; ..." (the grading alone)
        found = re.search(r"submissions .* in ([0-9.]+) s, ([0-9.]+) s each", tail(run.log, 3))
        if found:
            row.notes.append(f"of which starting and stopping: {run.seconds - float(found[1]):.1f} s "
                             f"once; grading: {found[2]} s each")
        scores = {}
        for s in students:
            try:
                scores[s.id] = json.loads((out / s.id / "results.json").read_text())["score"]
            except (OSError, ValueError, KeyError):
                scores[s.id] = None
        judge(row, students, points, scores)
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- nbgrader


def nbgrader_source(points: dict[str, int]) -> dict:
    """source/linreg/linreg.ipynb: solution cells, each function followed by its tests."""
    ref = reference_functions()

    def meta(grade_id, *, solution=False, grade=False, pts=None):
        m = {"grade": grade, "grade_id": grade_id, "locked": not solution,
             "schema_version": 3, "solution": solution, "task": False}
        if pts is not None:
            m["points"] = pts
        return {"nbgrader": m}

    cells = [code_cell("import random\nimport torch", "imports", meta("imports"))]
    for name in FUNCTIONS:
        body = ref[name]
        header, _, rest = body.partition("\n")
        solution = f"{header}\n    ### BEGIN SOLUTION\n{rest}\n    ### END SOLUTION"
        cells.append(code_cell(solution, name.replace("_", "-"), meta(name, solution=True)))
        for check, test in TESTS.items():
            if check.split(".")[0] == name:
                cells.append(code_cell(test.strip("\n"), "test-" + check.replace(".", "-").replace("_", "-"),
                                       meta("test_" + check.replace(".", "_"), grade=True,
                                            pts=points[check])))
    for check, test in TESTS.items():
        if check.startswith("training."):
            cells.append(code_cell(test.strip("\n"), "test-training",
                                   meta("test_" + check.replace(".", "_"), grade=True,
                                        pts=points[check])))
    return notebook(cells)


def run_nbgrader(students, points, work: Path) -> Row:
    bin_dir = ensure_venv("nbgrader", work)
    env = tool_env(bin_dir)
    course = work / "nbgrader"
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "bench"\n')
    write_json(course / "source" / "linreg" / "linreg.ipynb", nbgrader_source(points))
    log = work / "logs" / "nbgrader-generate.log"
    with open(log, "wb") as out:
        rc = subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", "linreg", "--force"],
                            cwd=course, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    released = course / "release" / "linreg" / "linreg.ipynb"
    if rc != 0 or not released.exists():
        raise Unavailable(f"nbgrader generate_assignment failed (exit {rc}): {tail(log, 3)}")
    release = json.loads(released.read_text())
    for s in students:
        nb = json.loads(json.dumps(release))
        for cell in nb["cells"]:
            m = cell.get("metadata", {}).get("nbgrader", {})
            if m.get("solution"):
                cell["source"] = s.functions[m["grade_id"]]
        write_json(course / "submitted" / s.id / "linreg" / "linreg.ipynb", nb)

    run = measured([str(bin_dir / "nbgrader"), "autograde", "linreg",
                    f"--Execute.timeout={NBGRADER_CELL_TIMEOUT}"],
                   course, work / "logs" / "nbgrader-autograde.log", BATCH_GUARD, env)
    row = Row("nbgrader 0.9.6", run.seconds / len(students), run.peak_mb)
    if run.returncode is None:
        row.notes.append(f"`nbgrader autograde` killed after {BATCH_GUARD} s")
    elif run.returncode != 0:
        row.notes.append(f"`nbgrader autograde` exit {run.returncode}")
    row.notes += nbgrader_timeouts(course, students)
    scores, why = nbgrader_scores(course / "gradebook.db", students)
    if "DeadKernelError" in run.log.read_text(errors="replace"):
        why = {sid: f"kernel died; {reason}" for sid, reason in why.items()}
    judge(row, students, points, scores, why)
    return row


def nbgrader_scores(db: Path, students) -> tuple[dict[str, float | None], dict[str, str]]:
    """student -> total auto score; None when nbgrader stored no score for the notebook.

    When the kernel dies nbgrader keeps the submission with every grade empty and
    flagged `needs_manual_grade`.
    """
    scores: dict[str, float | None] = {s.id: None for s in students}
    why = {s.id: "not in the gradebook" for s in students}
    if not db.exists():
        return scores, why
    with sqlite3.connect(db) as con:
        rows = con.execute("""
            SELECT sa.student_id, COUNT(g.auto_score) + COUNT(g.manual_score),
                   SUM(COALESCE(g.manual_score, g.auto_score, 0)), SUM(g.needs_manual_grade)
            FROM submitted_assignment sa
            JOIN submitted_notebook sn ON sn.assignment_id = sa.id
            JOIN grade g ON g.notebook_id = sn.id
            GROUP BY sa.student_id""").fetchall()
    for student, n_scored, total, manual in rows:
        if student not in scores:
            continue
        if n_scored:
            scores[student] = float(total or 0)
            del why[student]
        else:
            why[student] = (f"every grade empty, {manual} cells flagged for manual grading"
                            if manual else "every grade empty")
    return scores, why


def nbgrader_timeouts(course: Path, students) -> list[str]:
    """Notes on the cells that hit the timeout, read from the autograded notebooks."""
    notes = []
    for s in students:
        path = course / "autograded" / s.id / "linreg" / "linreg.ipynb"
        try:
            cells = json.loads(path.read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        hit = sum(any(o.get("ename") == "CellTimeoutError" for o in c.get("outputs", []))
                  for c in cells)
        if hit:
            notes.append(f"{s.kind.name}: {hit} cells x {NBGRADER_CELL_TIMEOUT} s timeout")
    return notes


# ---------------------------------------------------------------------------- otter


def doctest_source(code: str) -> str:
    """Plain Python -> doctest examples: one `>>>` per top-level statement."""
    code = code.strip("\n")
    lines = code.splitlines()
    out = []
    for node in ast.parse(code).body:
        for i, line in enumerate(lines[node.lineno - 1: node.end_lineno]):
            out.append((">>> " if i == 0 else "... ") + line)
    return "\n".join(out) + "\n"


def otter_tests(points: dict[str, int]) -> dict[str, dict]:
    """tests/<function>.py for each function and training: one OK case per check."""
    files: dict[str, dict] = {}
    for check, test in TESTS.items():
        question = check.split(".")[0]
        spec = files.setdefault(question, {"name": question, "points": None, "suites": [
            {"cases": [], "scored": True, "setup": "", "teardown": "", "type": "doctest"}]})
        spec["suites"][0]["cases"].append({"name": check, "code": doctest_source(test),
                                           "hidden": False, "locked": False,
                                           "points": points[check]})
    return files


def run_otter(students, points, work: Path) -> Row:
    bin_dir = ensure_venv("otter", work)
    env = tool_env(bin_dir)
    base = work / "otter"
    shutil.rmtree(base, ignore_errors=True)
    (base / "tests").mkdir(parents=True)
    for question, spec in otter_tests(points).items():
        (base / "tests" / f"{question}.py").write_text(
            f"OK_FORMAT = True\n\ntest = {pprint.pformat(spec, width=100, sort_dicts=False)}\n",
            encoding="utf-8")
    log = work / "logs" / "otter-generate.log"
    with open(log, "wb") as out:
        rc = subprocess.run([str(bin_dir / "otter"), "generate", "-t", "tests", "-o", "autograder.zip",
                             "--no-config", "--no-requirements", "--no-environment"],
                            cwd=base, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    if rc != 0 or not (base / "autograder.zip").exists():
        raise Unavailable(f"otter generate failed (exit {rc}): {tail(log, 3)}")

    total_seconds, peak, scores, why = 0.0, 0.0, {}, {}
    for s in students:
        nb = base / "submissions" / f"{s.id}.ipynb"
        write_json(nb, plain_notebook(s))
        out = base / "results" / s.id
        out.mkdir(parents=True)
        run = measured([str(bin_dir / "otter"), "run", "-a", "autograder.zip", "-o", str(out),
                        "--no-logo", str(nb)],
                       base, work / "logs" / f"otter-{s.id}.log", OTTER_RUN_TIMEOUT, env)
        total_seconds += run.seconds
        peak = max(peak, run.peak_mb)
        scores[s.id] = otter_score(out / "results.json")
        if run.returncode is None:
            why[s.id] = f"`otter run` killed at {OTTER_RUN_TIMEOUT} s"
        elif run.returncode != 0:
            error = re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception)\b.*)$", run.log.read_text(errors="replace"), re.M)
            why[s.id] = f"`otter run` exit {run.returncode}" + (f": {error[-1]}" if error else "")
    row = Row("otter-grader 7.0.0", total_seconds / len(students), peak)
    judge(row, students, points, scores, why)
    return row


def otter_score(path: Path) -> float | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if "score" in data:
        return float(data["score"])
    return float(sum(t.get("score", 0) or 0 for t in data.get("tests", [])))


# ---------------------------------------------------------------------------- main

RUNNERS = {"ours": run_ours, "nbgrader": run_nbgrader, "otter": run_otter}
LABELS = {"ours": "ours", "nbgrader": "nbgrader 0.9.6", "otter": "otter-grader 7.0.0"}


def table(rows: list[Row]) -> str:
    """The side-by-side table; "vs nbgrader" is nbgrader's seconds per submission over the row's."""
    base = next((r.seconds_per_submission for r in rows if r.tool.startswith("nbgrader")), None)
    head = ["tool", "wall s/submission", "vs nbgrader", "peak PSS MB", "scored right", "notes"]
    body = []
    for r in rows:
        secs = r.seconds_per_submission
        body.append([r.tool,
                     "-" if secs is None else f"{secs:.2f}",
                     "-" if secs is None or not base else f"{base / secs:.1f}x",
                     "-" if r.peak_mb is None else f"{r.peak_mb:.0f}",
                     f"{r.right}/{r.total}" if r.total else "-",
                     "; ".join(r.notes) or "-"])
    n = len(head) - 1
    widths = [max(len(x[i]) for x in [head] + body) for i in range(n)]
    fmt = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " | " + cells[n]  # noqa: E731
    return "\n".join([fmt(head), "-+-".join("-" * w for w in widths) + "-+-" + "-" * 5]
                     + [fmt(b) for b in body])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", default="ours,nbgrader,otter",
                        help="comma-separated, from: ours, nbgrader, otter")
    parser.add_argument("--students", type=int, default=20, help="class size (default 20)")
    parser.add_argument("--keep", metavar="DIR", help="build and keep everything in DIR")
    args = parser.parse_args()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(RUNNERS)
    if unknown or not tools:
        parser.error(f"unknown tool(s) {sorted(unknown)}; choose from {', '.join(RUNNERS)}")
    if args.students < 1:
        parser.error("--students must be at least 1")

    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="compare-tools-"))
    work.mkdir(parents=True, exist_ok=True)
    points = course_points()
    students = build_class(args.students)
    print(f"{len(students)} students: "
          + ", ".join(f"{sum(s.kind is k for s in students)} {k.name}" for k in [CORRECT] + KINDS
                      if any(s.kind is k for s in students))
          + f"; full marks {sum(points.values())}", flush=True)
    rows: list[Row] = []
    started = time.perf_counter()
    try:
        for tool in tools:
            print(f"grading with {tool} ...", flush=True)
            before = len(rows)
            try:
                result = RUNNERS[tool](students, points, work)
                rows.extend(result if isinstance(result, list) else [result])
            except Unavailable as exc:
                rows.append(Row(LABELS[tool], notes=[f"unavailable: {exc}"]))
            for r in rows[before:]:
                print(f"  {r.tool}: " + (f"{r.right}/{r.total} scored right, "
                                         f"{r.seconds_per_submission:.2f} s per submission"
                                         if r.total else "; ".join(r.notes)), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows))
    print(f"\n({time.perf_counter() - started:.0f} s in all"
          + (f"; files kept in {args.keep}" if args.keep else "") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
