"""The Gradescope zip: built by `autograder gradescope build`, its run_autograder run for real in a fake
/autograder tree, under tests/container.py (Docker's default capabilities, a seccomp filter that
refuses namespaces), with this checkout's .venv as the grading environment (setup.sh's install needs
PyTorch's CPU index, which the tests do not reach: setup.sh is checked by reading it)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder.gradescope import run as gs_run
from autograder.grader import seeds
from samples import hostile
from samples.mutants import MUTANTS
from tests.conftest import REFERENCE, ROOT

CONTAINER = ROOT / "tests" / "container.py"
VENV = Path(sys.prefix)
SCHEMA = json.loads((ROOT / "tests" / "gradescope-results.schema.json").read_text())
SECRET = "gradescope-test-secret"


@pytest.fixture(autouse=True)
def catalogue_modes():
    """run_autograder makes the package's catalogue root's own (here, this checkout's): each test
    leaves its modes as it found them."""
    from autograder.grader.private import CATALOGUE
    modes = {p: p.stat().st_mode for p in [CATALOGUE, *CATALOGUE.rglob("*")]}
    yield
    for path, mode in modes.items():
        os.chmod(path, mode)


def validate(results: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(results)


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "--out", str(out),
                           "--config", str(ROOT / "course.yaml")],
                          env={**os.environ, "AUTOGRADER_SECRET": SECRET}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


def fake_tree(tmp_path: Path, autograder_zip: Path, files: dict[str, str], users: list[dict]) -> Path:
    """/autograder as Gradescope lays it out: source/ (the zip), submission/, the metadata."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(autograder_zip) as z:
        z.extractall(root / "source")
    os.chmod(root / "source" / "run_autograder", 0o755)
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "users": users}))
    return root


def run_autograder(root: Path, venv: Path = VENV) -> subprocess.CompletedProcess:
    """run_autograder in a session of its own, whose id is its pid (``survivors`` looks for it)."""
    proc = subprocess.Popen([sys.executable, str(CONTAINER), "bash", str(root / "source" / "run_autograder")],
                            env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": str(venv)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    out, err = proc.communicate(timeout=300)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    done.pid = proc.pid
    return done


def results_of(root: Path) -> dict:
    data = json.loads((root / "results" / "results.json").read_text())
    validate(data)
    return data


def lost(results: dict) -> set[str]:
    return {t["tags"][0] for t in results["tests"] if t["score"] < t["max_score"]}


def survivors(session: int) -> list[str]:
    """Processes still in run_autograder's session, or started by an attack (which may have left
    the session: its commands carry a marker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session or "98765" in cmd or hostile.MARK in cmd:
            found.append(f"{entry.name}: {cmd[:80]}")
    return found


# ---- the zip ------------------------------------------------------------------------

def test_the_zip_holds_what_gradescope_needs_and_setup_keeps_the_system_python(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as z:
        names = set(z.namelist())
        read = lambda name: z.read(name).decode()   # noqa: E731
        wheel = next(n for n in names if n.endswith(".whl"))
        assert names == {"setup.sh", "run_autograder", "requirements.txt", "course.yaml", "course-secret", wheel}
        assert z.getinfo("run_autograder").external_attr >> 16 & 0o111
        assert read("course-secret").strip() == SECRET
        assert read("course.yaml") == (ROOT / "course.yaml").read_text()
        setup, requirements = read("setup.sh"), read("requirements.txt")
    import importlib.metadata as md
    torch = md.version("torch").split("+")[0]
    # a venv of its own; every pip is that venv's
    assert re.search(r'^python3 -m venv "\$VENV"$', setup, re.M)
    pips = [line for line in setup.splitlines() if "pip install" in line and not line.lstrip().startswith("#")]
    assert pips and all(line.startswith('"$VENV/bin/python" -m pip install') for line in pips), pips
    assert not re.search(r"update-alternatives|ln -s\S* .*python3|/usr/bin/python3?\b", setup)
    # torch's CPU wheel from PyTorch's CPU index, at the exact version of the grading environment
    assert f'--index-url https://download.pytorch.org/whl/cpu "torch=={torch}"' in setup
    assert "torch" not in requirements     # so no other line can bring a CUDA build from PyPI
    # every other dependency exact, and the wheel with nothing left to resolve
    pinned = dict(line.split("==") for line in requirements.split())
    assert set(pinned) == {"numpy", "pyyaml", "pydantic", "nbformat", "matplotlib", "rich", "markdown-it-py",
                           "jinja2"}
    assert all(pinned[name] == md.version(name) for name in pinned)
    assert f"--no-deps ./{wheel}" in setup
    assert "set -euo pipefail" in setup


def test_a_zip_with_no_secret_has_none(tmp_path):
    out = tmp_path / "a.zip"
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SECRET"}
    done = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "--out", str(out),
                           "--config", str(ROOT / "course.yaml")], env=env, cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "course-secret" not in zipfile.ZipFile(out).namelist()
    assert "predictable" in done.stderr


def test_a_pin_that_does_not_run_on_gradescopes_python_stops_the_build(monkeypatch):
    from autograder.gradescope import build
    real = build.metadata.metadata

    def newer_numpy(name):
        data = real(name)
        if name == "numpy":
            data = {**{k: data[k] for k in ("Name", "Version")}, "Requires-Python": ">=3.11"}
        return data

    assert build.pins()["numpy"]
    monkeypatch.setattr(build.metadata, "metadata", newer_numpy)
    with pytest.raises(build.UsageError, match=r"Python 3\.10: numpy==[0-9.]+ \(Requires-Python >=3\.11\)"):
        build.pins()


# ---- run_autograder in a simulated container ----------------------------------------------

def test_a_correct_submission_gets_full_marks_and_its_own_hidden_seed(tmp_path, autograder_zip):
    root = fake_tree(tmp_path, autograder_zip, {"linreg.py": REFERENCE},
                     [{"email": "ada@example.edu", "id": 1234, "name": "Ada", "sid": "s0042"}])
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    results = results_of(root)
    assert results["score"] == 23 and lost(results) == set()
    assert results["extra_data"]["submission"] == "s0042"
    recorded = json.loads((root / "grading" / "results" / "s0042" / "seeds.json").read_text())
    assert recorded["hidden"] == seeds.hidden_seed(SECRET.encode(), "linreg", "s0042")
    # the tree is private to root, so that no submission's uid can read it
    for name in ("source", "submission", "results", "grading", "submission_metadata.json"):
        assert (root / name).stat().st_mode & 0o077 == 0, name
    assert survivors(done.pid) == []


def test_a_buggy_notebook_loses_only_its_mistakes_points(tmp_path, autograder_zip):
    from tests.conftest import notebook
    mutant = next(m for m in MUTANTS if m.name == "no reshape")
    root = fake_tree(tmp_path, autograder_zip, {"linreg.ipynb": notebook([mutant.source()])},
                     [{"email": "bob@example.edu", "id": 99, "name": "Bob"}])
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    results = results_of(root)
    assert lost(results) == {"squared_loss"}
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert [mutant.expected in t["tags"] for t in failed] == [True]
    assert results["score"] == 23 - failed[0]["max_score"]
    assert results["extra_data"]["submission"] == "bob@example.edu"


def test_a_hostile_submission_costs_only_its_own_probes_and_leaves_nothing_running(tmp_path, autograder_zip):
    """It looks for the course's files, the secret, the metadata (names and emails), the gradebook
    and the results; starts processes that try to outlive it; and its linreg spins, ignoring
    signals. Only linreg and training (which calls it) may cost points."""
    root = tmp_path / "autograder"
    look = hostile.reveals(f"""
import os
found = []
for path in {[str(root / p) for p in ("source/course.yaml", "source/course-secret", "submission_metadata.json",
                                       "grading/autograder.db", "grading/results", "results", "source")]!r}:
    try:
        found.append(os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(20))
    except OSError:
        pass
return found
""")
    old, new = hostile.replace_function("linreg", """
def linreg(X, w, b):
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        pass
""")
    source = look.replace(old, new)
    source += """
import subprocess
subprocess.Popen(["sleep", "987654"], start_new_session=True)
if __import__("os").fork() == 0:
    __import__("os").setsid()
    __import__("os").execvp("sleep", ["sleep", "987655"])
"""
    fake_tree(tmp_path, autograder_zip, {"attack.py": source}, [{"email": "eve@example.edu", "id": 666, "name": "Eve"}])
    start = time.monotonic()
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    results = results_of(root)
    assert lost(results) == {"linreg", "training"}, [t["output"] for t in results["tests"] if t["score"] < t["max_score"]]
    assert "SEEN" not in json.dumps(results)
    assert time.monotonic() - start < 60
    assert survivors(done.pid) == []


def test_in_a_container_a_submission_cannot_read_the_packages_catalogue(tmp_path, autograder_zip):
    """The catalogue (the reference and its correct variants) sits in the package, which a
    submission in container mode reaches through descriptors: its own modes keep it out."""
    from autograder.grader.private import CATALOGUE
    root = fake_tree(tmp_path, autograder_zip, {"linreg.py": hostile.reveals(hostile.READS_CATALOGUE)},
                     [{"email": "eve@example.edu", "id": 7}])
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    results = results_of(root)
    assert "SEEN" not in json.dumps(results), [t["output"] for t in results["tests"] if "SEEN" in t["output"]]
    assert results["score"] == 23
    assert all(p.stat().st_mode & 0o077 == 0 for p in [CATALOGUE, *CATALOGUE.rglob("*")])


def test_container_mode_refuses_a_catalogue_that_any_uid_may_read(tmp_path):
    from autograder.grader.private import CATALOGUE, hide_catalogue
    os.chmod(CATALOGUE, 0o755)
    (tmp_path / "alice.py").write_text(REFERENCE)
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    for path in [tmp_path, *tmp_path.iterdir()]:
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    command = [sys.executable, "-m", "autograder", "grade", "alice.py", "--sandbox", "container",
               "--config", "course.yaml", "--quiet"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "catalogue of mistakes and correct variants" in done.stderr, done.stderr
    hide_catalogue()
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_what_is_not_gradable_is_said_in_results_json(tmp_path, autograder_zip):
    root = fake_tree(tmp_path, autograder_zip, {"notes.txt": "hello"}, [{"email": "c@example.edu", "id": 3}])
    done = run_autograder(root)
    assert done.returncode == 0, done.stderr
    results = results_of(root)
    assert results["score"] == 0 and "no .py or .ipynb file" in results["output"]


def test_results_json_is_written_even_when_the_grader_cannot_start(tmp_path, autograder_zip):
    root = fake_tree(tmp_path, autograder_zip, {"linreg.py": REFERENCE}, [{"email": "d@example.edu", "id": 4}])
    done = run_autograder(root, venv=tmp_path / "no-venv")      # setup.sh never ran
    assert done.returncode != 0
    results = results_of(root)
    assert results["score"] == 0 and "could not start" in results["output"]
    # and when it starts but fails: a course.yaml that is wrong
    (root / "results" / "results.json").unlink()
    (root / "source" / "course.yaml").write_text("limts: {}\n")
    done = run_autograder(root)
    assert done.returncode == 2
    results = results_of(root)
    assert results["score"] == 0 and "limts: unknown key" in results["output"]


def test_the_file_to_grade_is_the_one_handed_in(tmp_path):
    sub = tmp_path / "submission"
    (sub / "__MACOSX" / "hw").mkdir(parents=True)
    (sub / "hw").mkdir()
    (sub / "hw" / "mine.ipynb").write_text("{}")
    (sub / "__MACOSX" / "hw" / "._mine.ipynb").write_bytes(b"\0\5\26\7")
    (sub / "hw" / "._mine.ipynb").write_bytes(b"\0\5\26\7")
    assert gs_run.pick(sub, "linreg") == sub / "hw" / "mine.ipynb"
    (sub / "hw" / "helper.py").write_text("")
    with pytest.raises(gs_run.NotGradable, match="found 2: hw/helper.py, hw/mine.ipynb"):
        gs_run.pick(sub, "linreg")
    (sub / "linreg.py").write_text("")
    assert gs_run.pick(sub, "linreg") == sub / "linreg.py"


def test_the_student_id_comes_from_the_metadata():
    path = Path(__file__)
    def of(users):
        tmp = path.parent / ".metadata-test.json"
        try:
            tmp.write_text(json.dumps({"users": users}))
            return gs_run.student_id(tmp)
        finally:
            tmp.unlink()
    assert of([{"email": "a@x.edu", "id": 1, "sid": "s1"}]) == "s1"
    assert of([{"email": "a@x.edu", "id": 1, "sid": ""}]) == "a@x.edu"
    assert of([{"id": 1}]) == "1"
    assert of([{"email": "b@x.edu"}, {"email": "a@x.edu"}]) == "a@x.edu+b@x.edu"
    with pytest.raises(gs_run.NotGradable):
        of([])


# ---- the refusals --------------------------------------------------------------------

def test_in_a_container_the_default_refuses_and_names_container_mode_in_results_json(tmp_path):
    (tmp_path / "alice.py").write_text(REFERENCE)
    done = subprocess.run([sys.executable, str(CONTAINER), str(VENV / "bin" / "autograder"), "grade", "alice.py",
                           "--config", str(ROOT / "course.yaml"), "--results-json", "one.json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "cannot build the sandbox" in done.stderr and "--sandbox container" in done.stderr
    for path in (tmp_path / "one.json", tmp_path / "results" / "alice" / "results.json"):
        results = json.loads(path.read_text())
        validate(results)
        assert results["score"] == 0 and "--sandbox container" in results["output"]


def test_container_mode_refuses_grader_files_that_any_uid_may_read():
    """pytest's tmp_path lies in a folder that only root may enter; this needs one that any uid may."""
    shared = Path("/tmp") / f"ag-exposed-{os.getpid()}"
    shutil.rmtree(shared, ignore_errors=True)
    shared.mkdir()
    try:
        os.chmod(shared, 0o755)
        shutil.copy(ROOT / "course.yaml", shared / "course.yaml")
        os.chmod(shared / "course.yaml", 0o644)
        (shared / "alice.py").write_text(REFERENCE)
        os.chmod(shared / "alice.py", 0o600)
        command = [sys.executable, str(CONTAINER), str(VENV / "bin" / "autograder"), "grade", "alice.py",
                   "--sandbox", "container", "--config", "course.yaml", "--quiet"]
        done = subprocess.run(command, cwd=shared, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert "course.yaml (course.yaml): a file that any uid may read (mode 0644)" in done.stderr
        assert "(the working folder): a folder that any uid may enter or list (mode 0755)" in done.stderr
        assert "(the submission alice)" not in done.stderr          # mode 0600: out of reach
        refused = json.loads((shared / "results" / "alice" / "results.json").read_text())
        assert refused["score"] == 0 and "course.yaml" in refused["output"]
        os.chmod(shared, 0o700)          # the folder private: all of it is out of reach
        from autograder.grader.private import hide_catalogue
        hide_catalogue()                 # and the package's catalogue (gradescope run does this)
        done = subprocess.run(command, cwd=shared, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        results = json.loads((shared / "results" / "alice" / "results.json").read_text())
        assert results["score"] == 23
        for made in ("results", "results/alice/results.json", "autograder.db"):
            assert (shared / made).stat().st_mode & 0o077 == 0, made     # what it made is its own
    finally:
        shutil.rmtree(shared, ignore_errors=True)


@pytest.mark.parametrize("flag", [["--id", "alice"], ["--results-json", "one.json"]])
def test_id_and_results_json_are_for_one_submission(tmp_path, flag):
    for name in ("alice.py", "bob.py"):
        (tmp_path / name).write_text(REFERENCE)
    done = subprocess.run([str(VENV / "bin" / "autograder"), "grade", str(tmp_path), *flag,
                           "--config", str(ROOT / "course.yaml")], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert f"{flag[0]} is for one submission, and 2 were found" in done.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "one.json").exists()


# ---- the schema ------------------------------------------------------------------------

@pytest.mark.parametrize("mistake", [
    {"score": 1, "tests": [{"name": "x", "score": 1, "max_score": 1, "status": "ok"}]},
    {"score": 1, "tests": [{"name": "x", "score": 1, "max_score": 1, "visibility": "public"}]},
    {"score": "23"},
    {"output": "no score and no tests"},
    {"score": 1, "output_format": "markdown"},
    {"score": 1, "tests": [{"name": "x", "score": 1, "maxscore": 1}]},
], ids=["status", "visibility", "score as text", "neither", "output format", "unknown key"])
def test_the_schema_catches_what_gradescope_would_not_take(mistake):
    with pytest.raises(jsonschema.ValidationError):
        validate(mistake)
