"""The real nbgrader 0.9.6, round trip: init, generate_assignment, autograde in the generated kernel,
`autograder grade`, sync, export and generate_feedback; and nbgrader's files are never ours to write."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.nbgrader.source import GRADE_IDS, grade_id
from autograder.spec import CHECKS
from tests.conftest import ROOT

BIN = Path(sys.executable).parent
# small limits keep the hang short; the hidden check and a due date as a course would have them
COURSE_YAML = """\
assignment: linreg
seed: 0
secret_file: .autograder-secret
due: 2026-12-01T23:59:00+01:00
limits: {probe_seconds: 1, training_seconds: 3, cell_seconds: 2, submission_seconds: 30}
checks:
  data_iter.fresh_order: {points: 1, visibility: hidden}
  squared_loss.reshape: {points: 2, visibility: public}
"""
NO_RESHAPE = ("(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "(y_hat - y) ** 2 / 2")
HANG = ("return torch.matmul(X, w) + b", "while True:\n        pass")
# the trust trade-off: in nbgrader's own autograde the test cells run beside this
PATCH = ("import sys\n"
         "sys.modules['autograder.check'].grade_cell = lambda check_id, points, **kw: float(points)\n")


def _env(tmp: Path) -> dict:
    """nbgrader and Jupyter with every folder of their own under tmp: nothing reaches the
    real ~/.local/share/jupyter or ~/.jupyter."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_DATA_DIR=str(tmp / "jupyter-data"), JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"), IPYTHONDIR=str(tmp / "ipython"),
               PYTHONWARNINGS="ignore")
    for name in ("AUTOGRADER_SECRET", "AUTOGRADER_CONFIG", "AUTOGRADER_GRADING", "JUPYTER_PATH"):
        env.pop(name, None)
    return env


def _run(argv, cwd, env, timeout=600):
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-4000:])
    return done


def autograder(*args, cwd, env, code=0):
    done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == code, (args, done.stderr[-4000:])
    return done


def nbgrader(*args, cwd, env):
    return _run([str(BIN / "nbgrader"), *args], cwd, env)


def _student_notebook(release: dict, solutions: dict[str, str], edits=(), first_cell_extra="") -> dict:
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            text = solutions[meta["grade_id"]]
            for old, new in edits:
                text = text.replace(old, new)
            cell["source"] = text
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[0]["source"] = "".join(code[0]["source"]) + "\n" + first_cell_extra
    return nb


def _tables(db: Path) -> set[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The whole round trip, once; the tests below read what it left."""
    tmp = tmp_path_factory.mktemp("nbgrader")
    env = _env(tmp)
    (tmp / "course.yaml").write_text(COURSE_YAML)
    init = autograder("nbgrader", "init", "course", cwd=tmp, env=env)
    root = tmp / "course"
    nbgrader("generate_assignment", "linreg", cwd=root, env=env)

    source = json.loads((root / "source" / "linreg" / "linreg.ipynb").read_text())
    release = json.loads((root / "release" / "linreg" / "linreg.ipynb").read_text())
    solutions = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in source["cells"]
                 if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    students = {"alice": _student_notebook(release, solutions),
                "carol": _student_notebook(release, solutions, [NO_RESHAPE]),
                "grace": _student_notebook(release, solutions, [HANG]),
                "mallory": _student_notebook(release, solutions, [NO_RESHAPE], PATCH)}
    assert sum(NO_RESHAPE[0] not in json.dumps(nb) for nb in students.values()) == 2
    assert sum("while True" in json.dumps(nb) for nb in students.values()) == 1
    for name, nb in students.items():
        folder = root / "submitted" / name / "linreg"
        folder.mkdir(parents=True)
        (folder / "linreg.ipynb").write_text(json.dumps(nb))
        (folder / "timestamp.txt").write_text("2026-12-01 22:00:00.000000 UTC" if name != "grace"
                                              else "2026-12-02 08:00:00.000000 UTC")
    nbgrader("autograde", "linreg", cwd=root, env=env)
    nbgrader_only = _nbgrader_scores(root)
    before_grade = (root / "gradebook.db").read_bytes()
    refused = autograder("grade", "submitted", "--gradebook", "gradebook.db", "--quiet", cwd=root, env=env,
                         code=2)
    refused_bytes = (root / "gradebook.db").read_bytes()
    listing = sorted(p.name for p in root.iterdir())
    graded = autograder("grade", "submitted", "--quiet", cwd=root, env=env)
    tables_before_sync = _tables(root / "gradebook.db")
    synced = autograder("nbgrader", "sync", ".", cwd=root, env=env)
    nbgrader("export", cwd=root, env=env)
    nbgrader("generate_feedback", "linreg", cwd=root, env=env)
    return dict(tmp=tmp, root=root, env=env, init=init, source=source, release=release,
                nbgrader_only=nbgrader_only, before_grade=before_grade, refused=refused,
                refused_bytes=refused_bytes, listing=listing, graded=graded,
                tables_before_sync=tables_before_sync, synced=synced)


def _nbgrader_scores(root: Path) -> dict[tuple[str, str], tuple]:
    """(student, grade cell) -> (auto_score, needs_manual_grade), through nbgrader's API."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="linreg") as gb:
        for student in gb.students:
            submission = gb.find_submission("linreg", student.id)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    out[(student.id, grade.name)] = (grade.auto_score, grade.needs_manual_grade)
    return out


def _ours(root: Path) -> dict[tuple[str, str], float]:
    with sqlite3.connect(root / "autograder.db") as con:
        rows = con.execute("SELECT s.student, r.check_id, r.score FROM results r JOIN submissions s "
                           "ON r.submission = s.id").fetchall()
    return {(student, check): score for student, check, score in rows}


def test_init_writes_a_course_that_names_the_grading_kernel(course):
    root = course["root"]
    [kernel] = (root / "jupyter" / "kernels").iterdir()
    spec = json.loads((kernel / "kernel.json").read_text())
    assert spec["argv"][:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert spec["env"]["AUTOGRADER_CONFIG"] == str((root / "course.yaml").resolve())
    assert f"c.Execute.kernel_name = {kernel.name!r}" in (root / "nbgrader_config.py").read_text()
    assert (root / "course.yaml").read_text() == COURSE_YAML
    assert (root / ".autograder-secret").stat().st_mode & 0o077 == 0
    # nothing was installed for the user
    assert not (course["tmp"] / "jupyter-data" / "kernels").exists()


def test_the_source_notebook_has_solutions_and_one_test_cell_per_check_with_course_points(course):
    from autograder.nbgrader.source import reference_bodies

    cells = course["source"]["cells"]
    meta = [c["metadata"].get("nbgrader", {}) for c in cells]
    grades = {m["grade_id"]: m["points"] for m in meta if m.get("grade")}
    assert grades == {grade_id(c): (2.0 if c in ("synthetic_data.labels", "linreg.value",
                                                  "squared_loss.elementwise", "sgd.update",
                                                  "squared_loss.reshape")
                                    else 3.0 if c == "training.converges" else 1.0) for c in CHECKS}
    assert set(GRADE_IDS.values()) == set(CHECKS)
    bodies = reference_bodies((ROOT / "solutions" / "linreg.py").read_text(), "solutions/linreg.py")
    for cell, m in zip(cells, meta):
        text = "".join(cell["source"])
        if m.get("solution"):
            assert f"### BEGIN SOLUTION\n{bodies[m['grade_id']]}\n    ### END SOLUTION" in text
            assert "NotImplementedError" not in text
        if m.get("grade_id") == grade_id("data_iter.fresh_order"):
            assert text.startswith("### BEGIN HIDDEN TESTS\n") and text.endswith("### END HIDDEN TESTS")
            assert "seed=" in text
        elif m.get("grade"):
            assert "HIDDEN" not in text and "seed=" not in text
    assert not any("check(" in "".join(c["source"]) for c in cells if c["cell_type"] == "code"
                   and "import" not in "".join(c["source"]))
    released = json.dumps(course["release"])
    assert "BEGIN SOLUTION" not in released and "seed=" not in released
    assert "grade_cell('data_iter.fresh_order'" not in released and "grade_cell('sgd.update'" in released


def test_nbgrader_autograde_scores_our_test_cells_in_the_generated_kernel(course):
    scores = course["nbgrader_only"]
    total = {s: sum(v[0] or 0 for (st, _), v in scores.items() if st == s)
             for s in ("alice", "carol", "grace", "mallory")}
    assert total["alice"] == 24.0                                  # partial credit: every cell's points
    assert total["carol"] == 22.0                                  # the 2 points of the reshape
    assert scores[("carol", grade_id("squared_loss.reshape"))][0] == 0.0
    assert scores[("grace", grade_id("linreg.value"))][0] == 0.0    # the hang, stopped by our limits
    assert scores[("grace", grade_id("training.converges"))][0] == 0.0
    assert total["mallory"] == 24.0     # the trust trade-off: her notebook patched the test cells
    root = course["root"]
    for student in ("alice", "carol", "grace"):
        nb = nbformat.read(root / "autograded" / student / "linreg" / "linreg.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
                assert ("stream", "stderr") not in kinds and ("error", None) not in kinds, (student, kinds)
                assert kinds[-1] == ("execute_result", None)
    carol = nbformat.read(root / "autograded" / "carol" / "linreg" / "linreg.ipynb", as_version=4)
    reshape = next(c for c in carol.cells
                   if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id("squared_loss.reshape"))
    assert "squared_loss.no_reshape" in reshape.outputs[0]["text"]


def test_autograder_refuses_nbgrader_gradebook_and_writes_nothing_to_it(course):
    assert "gradebook.db: not a gradebook of ours" in course["refused"].stderr
    assert "nothing was written to it" in course["refused"].stderr
    assert course["refused_bytes"] == course["before_grade"]
    assert not any(n.startswith("gradebook.db-") for n in course["listing"])
    assert "autograder.db" not in course["listing"]


def test_sync_writes_our_score_of_every_check_and_our_feedback_into_nbgrader(course):
    root = course["root"]
    from autograder.store.gradebook import OURS
    assert OURS >= {"submissions", "results"} and not course["tables_before_sync"] & OURS
    assert not _tables(root / "gradebook.db") & OURS
    ours, theirs = _ours(root), _nbgrader_scores(root)
    for student in ("alice", "carol", "grace", "mallory"):
        for check in CHECKS:
            assert theirs[(student, grade_id(check))] == (ours[(student, check)], False), (student, check)
    assert sum(v for (s, _), v in ours.items() if s == "mallory") == 22.0   # patched cells gain nothing here
    assert ours[("grace", "linreg.value")] == 0.0
    with sqlite3.connect(root / "autograder.db") as con:
        notes = dict(con.execute("SELECT student, output FROM submissions"))
    assert json.loads(notes["alice"]) == []     # the test cells run quietly under `autograder grade` too
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="linreg") as gb:
        comment = gb.find_comment("squared_loss", "linreg", "linreg", "carol").auto_comment
        assert "squared_loss.no_reshape" in comment and "(0/2)" in comment
        assert "timed_out" in gb.find_comment("linreg", "linreg", "linreg", "grace").auto_comment
        assert str(gb.find_submission("linreg", "grace").timestamp).startswith("2026-12-02 08:00:00")
    assert "wrote 68 grades of 4 students" in course["synced"].stderr


def test_nbgrader_export_and_feedback_show_our_grades(course):
    import csv

    root = course["root"]
    rows = {r["student_id"]: r for r in csv.DictReader((root / "grades.csv").open())}
    ours = _ours(root)
    for student, row in rows.items():
        assert float(row["score"]) == sum(v for (s, _), v in ours.items() if s == student)
    assert float(rows["mallory"]["score"]) == 22.0
    assert rows["grace"]["duedate"] == "2026-12-01 22:59:00"      # course.yaml's due, in UTC
    assert rows["grace"]["timestamp"] == "2026-12-02 08:00:00"
    page = (root / "feedback" / "carol" / "linreg" / "linreg.html").read_text()
    assert "squared_loss.no_reshape" in page and "(0/2)" in page
    page = (root / "feedback" / "mallory" / "linreg" / "linreg.html").read_text()
    assert "squared_loss.no_reshape" in page        # our comment, though her cells printed nothing
    seed = next(line for c in course["source"]["cells"] for line in "".join(c["source"]).splitlines()
                if "seed=" in line).split("seed=")[1].rstrip(")")
    assert int(seed) > 0
    assert seed in (root / "autograded" / "alice" / "linreg" / "linreg.ipynb").read_text()
    for student in ("alice", "carol", "grace", "mallory"):      # the hidden tests stay out of the feedback
        assert seed not in (root / "feedback" / student / "linreg" / "linreg.html").read_text()


def test_our_csv_flags_the_late_submission(course):
    import csv

    root, env = course["root"], course["env"]
    autograder("export", "csv", cwd=root, env=env)
    rows = {r["student"]: r for r in csv.DictReader((root / "autograder-grades.csv").open())}
    assert rows["grace"]["late"] == "yes" and rows["alice"]["late"] == "no"
    assert rows["grace"]["submitted_at"] == "2026-12-02T08:00:00+00:00"
