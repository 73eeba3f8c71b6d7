"""The template for students' repositories: its workflow's commands, run in a fresh virtualenv, grade the exercise as on GitHub.

A small runner plays GitHub Actions for templates/github/.github/workflows/autograde.yml:
`actions/checkout` is `make template` into a workspace (templates/github/ and the course's
exercise, copied from exercises/linreg.py), `actions/setup-python` puts this
machine's Python on PATH, and every `run:` step runs as the runner runs it (bash -eo pipefail,
the workflow's env, $GITHUB_PATH, $GITHUB_STEP_SUMMARY). Three substitutions, each of a line
that must be in the workflow: torch comes from the local `pip install torch==2.13.0` (PyTorch's
CPU index cannot be reached here); the autograder from a copy of this checkout, installed
non-editable with --no-index; and the `sudo` of the last step is dropped, since the tests run
as root. What pip would download from PyPI (numpy, pydantic, ...) is linked from this
checkout's virtualenv, without its torch and its autograder, through a .pth file, and
replaces the old setuptools that `python -m venv` bundles (torch needs setuptools>=77).

The installed grader then shows that a submission cannot read the package's catalogue of
mistakes and correct variants, which an installed package has in its site-packages.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from samples import hostile
from tests import ordinary_user
from tests.conftest import REFERENCE, ROOT
from tests.test_install import _tracked_copy

TEMPLATE = ROOT / "templates" / "github"
WORKFLOW = TEMPLATE / ".github" / "workflows" / "autograde.yml"
SUBSTITUTE = {
    'pip install torch==2.13.0 --index-url "$TORCH_INDEX"': "pip install --no-index torch==2.13.0",
    'pip install "$AUTOGRADER" "pytest>=8"': 'pip install --no-index --no-build-isolation "$AUTOGRADER" "pytest>=8"',
    "sudo --preserve-env=GITHUB_ACTIONS,GITHUB_STEP_SUMMARY,GITHUB_WORKSPACE ": "",
}
NOT_FROM_PYPI = ("torch", "functorch", "torchgen", "pip", "__editable__", "linreg_autograder", "__pycache__")
# what `python -m venv` of Python 3.11 bundles and PyPI would upgrade: torch needs setuptools>=77
BUNDLED = ("setuptools", "_distutils_hack", "distutils-precedence.pth", "pkg_resources")


def _link_tree(source: Path, target: Path) -> None:
    try:
        shutil.copytree(source, target, copy_function=os.link, symlinks=True)
    except (OSError, shutil.Error):                     # another filesystem: copy
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)


def _pypi_packages(into: Path) -> Path:
    """This virtualenv's packages but torch, pip, setuptools and the autograder, in a folder named
    site-packages (the sandbox's view shows site-packages folders on sys.path)."""
    folder = into / "lib" / "site-packages"
    folder.mkdir(parents=True)
    outer = Path(sysconfig.get_paths()["purelib"])
    for entry in outer.iterdir():
        if entry.name.startswith(NOT_FROM_PYPI):
            continue
        if entry.is_dir():
            _link_tree(entry, folder / entry.name)
        else:
            try:
                os.link(entry, folder / entry.name)
            except OSError:
                shutil.copy2(entry, folder / entry.name)
    return folder


class Runner:
    """Runs a workflow's job as GitHub's runner would, on this machine."""

    def __init__(self, workflow: dict, workspace: Path, tmp: Path):
        self.workspace = workspace
        self.tmp = tmp
        files = {name: tmp / name for name in ("path", "env", "summary.md")}
        for f in files.values():
            f.write_text("")
        self.summary = files["summary.md"]
        base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
        outer_bin = str(Path(sys.executable).parent)
        base["PATH"] = os.pathsep.join(p for p in base["PATH"].split(os.pathsep) if p != outer_bin)
        self.env = {**base, **{k: str(v) for k, v in workflow.get("env", {}).items()},
                    "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace),
                    "GITHUB_PATH": str(files["path"]), "GITHUB_ENV": str(files["env"]),
                    "GITHUB_STEP_SUMMARY": str(self.summary), "RUNNER_TEMP": str(tmp)}

    def uses(self, step: dict) -> None:
        action = step["uses"].split("@")[0]
        if action == "actions/checkout":
            made = subprocess.run(["make", "-s", "template", f"TEMPLATE_OUT={self.workspace}"], cwd=ROOT,
                                  capture_output=True, text=True, timeout=60)
            assert made.returncode == 0, made.stderr
            self.exercise = (self.workspace / "linreg.py").read_bytes()
        elif action == "actions/setup-python":
            assert step["with"]["python-version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
            bin_dir = self.tmp / "python" / "bin"
            bin_dir.mkdir(parents=True)
            for name in ("python", "python3"):
                (bin_dir / name).symlink_to(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
            self.env["PATH"] = f"{bin_dir}{os.pathsep}{self.env['PATH']}"
        else:
            raise AssertionError(f"the runner of this test does not know {step['uses']}")

    def run(self, step: dict) -> subprocess.CompletedProcess:
        script = step["run"]
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=self.workspace,
                              env={**self.env, **{k: str(v) for k, v in step.get("env", {}).items()}},
                              capture_output=True, text=True, timeout=900)
        added = [line for line in Path(self.env["GITHUB_PATH"]).read_text().splitlines() if line]
        if added:
            self.env["PATH"] = os.pathsep.join([*reversed(added), self.env["PATH"]])
            Path(self.env["GITHUB_PATH"]).write_text("")
        return done


def _substituted(script: str) -> str:
    for line, local in SUBSTITUTE.items():
        if line in script:
            script = script.replace(line, local)
    return script


@pytest.fixture(scope="module")
def template_run(tmp_path_factory):
    """The workflow's job on the template as it is (the exercise's stubs): (runner, every step's result)."""
    tmp = tmp_path_factory.mktemp("template")
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    text = WORKFLOW.read_text()
    for line in SUBSTITUTE:
        assert text.count(line.strip()) == 1, f"the workflow no longer has {line!r}"
    runner = Runner(workflow, tmp / "workspace", tmp)
    runner.env["AUTOGRADER"] = str(_tracked_copy(tmp / "autograder-src"))
    deps = _pypi_packages(tmp / "pypi")
    done = {}
    for step in job["steps"]:
        if "uses" in step:
            runner.uses(step)
            continue
        result = runner.run({**step, "run": _substituted(step["run"])})
        done[step["name"]] = result
        if step["name"] == "Create a virtualenv":
            site = subprocess.run([str(runner.workspace / ".venv" / "bin" / "python"), "-c",
                                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            Path(site, "pypi-packages.pth").write_text(f"{deps}\n")
            for entry in Path(site).iterdir():       # the linked, newer setuptools instead
                if entry.name.startswith(BUNDLED):
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        if step is not job["steps"][-1]:
            assert result.returncode == 0, f"{step['name']}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
    return runner, done, job


def test_make_template_puts_the_course_exercise_beside_the_workflow(template_run):
    runner, _, _ = template_run
    assert (runner.workspace / ".github" / "workflows" / "autograde.yml").read_bytes() == WORKFLOW.read_bytes()
    assert "linreg = linreg.py" in (runner.workspace / "pytest.ini").read_text()
    assert runner.exercise == (ROOT / "exercises" / "linreg.py").read_bytes()
    assert not (TEMPLATE / "linreg.py").exists()            # one source: exercises/linreg.py


def test_the_workflow_installs_into_a_fresh_venv_and_fails_the_stubs_with_annotations(template_run):
    runner, done, job = template_run
    venv = runner.workspace / ".venv"
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import autograder, torch; print(autograder.__file__); print(torch.__file__)"],
                           capture_output=True, text=True, check=True, cwd=runner.tmp).stdout.split()
    assert all(path.startswith(str(venv)) for path in where), where    # installed, not the checkout's
    checks = done[job["steps"][-1]["name"]]
    assert checks.returncode == 1, checks.stdout[-3000:] + checks.stderr[-3000:]    # pytest: tests failed
    assert "any.not_implemented" in checks.stdout and "Traceback" not in checks.stdout
    annotations = [line for line in checks.stdout.splitlines() if line.startswith("::error file=linreg.py,")]
    lines = {n for n, t in enumerate((runner.workspace / "linreg.py").read_text().splitlines(), 1)
             if t.startswith("def ")}
    assert len(annotations) >= 5 and {int(a.split("line=")[1].split(",")[0]) for a in annotations
                                      if "line=" in a} == lines
    assert (runner.workspace / "autograder-junit.xml").exists()
    assert "| `linreg` | 0/5 | 0/4 | 0/3 | 0/3 | 0/4 | 0/3 | **0/22** |" in runner.summary.read_text()


def test_the_same_step_passes_a_correct_exercise(template_run):
    runner, _, job = template_run
    (runner.workspace / "linreg.py").write_text(REFERENCE)
    runner.summary.write_text("")
    step = job["steps"][-1]
    checks = runner.run({**step, "run": _substituted(step["run"])})
    assert checks.returncode == 0, checks.stdout[-3000:]
    assert "16 passed" in checks.stdout and "::error" not in checks.stdout
    assert "**22/22**" in runner.summary.read_text()


def _graded_attack(runner, folder: Path, uid: int | None = None) -> dict:
    """results.json of a submission that imports, lists and reads the installed catalogue by
    every path on sys.path, graded by the installed `autograder` (as ``uid`` when given)."""
    folder.mkdir()
    (folder / "eve.py").write_text(hostile.reveals(hostile.READS_CATALOGUE))
    argv = [str(runner.workspace / ".venv" / "bin" / "autograder"), "grade", "eve.py", "--out", "out",
            "--gradebook", "gb.db"]
    env = {k: v for k, v in runner.env.items() if k != "GITHUB_STEP_SUMMARY"}
    if uid is None:
        graded = subprocess.run(argv, capture_output=True, text=True, cwd=folder, timeout=300, env=env)
    else:
        for path in [folder, *folder.rglob("*")]:
            os.lchown(path, uid, uid)
        reach = [sys.base_prefix, str(runner.tmp)]          # the interpreter, the workspace and its venv
        runner.tmp.chmod(0o755)                                 # pytest makes it for root alone
        graded = ordinary_user.run(argv, uid, reach, capture_output=True, text=True, cwd=folder, timeout=300,
                                   env={**env, "HOME": str(folder)})
        assert "userns mode" in graded.stderr, graded.stderr
    assert graded.returncode == 0, graded.stderr
    return json.loads((folder / "out" / "eve" / "results.json").read_text())


def test_an_installed_grader_hides_its_catalogue_from_submissions(template_run):
    """The installed package holds autograder/selftest (the reference and its correct variants)
    in site-packages, which the sandbox shows read-only; a submission that imports it, lists it
    or reads it by every path on sys.path finds nothing, as root and as an ordinary user."""
    runner, _, _ = template_run
    python = str(runner.workspace / ".venv" / "bin" / "python")
    covered = json.loads(subprocess.run([python, "-c", """
import json, os
from autograder.sandbox.far import view
import autograder.selftest.variants as v
print(json.dumps({"hidden": view.hidden(view.allowlist()), "variants": os.path.realpath(v.__file__)}))
"""], capture_output=True, text=True, check=True, cwd=runner.tmp).stdout)
    assert [os.path.dirname(covered["variants"])] == covered["hidden"]     # inside the view, so covered
    for results in (_graded_attack(runner, runner.tmp / "attack-root"),
                    _graded_attack(runner, runner.tmp / "attack-user", ordinary_user.unused_uid())):
        loss = [t for t in results["tests"] if t["name"].startswith("squared_loss")]
        assert all(t["status"] == "passed" for t in loss), [t["output"] for t in loss]
        assert results["score"] == 23


def test_the_installed_package_runs_its_own_selftest(template_run):
    """The catalogue ships with the package: a course can run selftest where it installed it."""
    runner, _, _ = template_run
    done = subprocess.run([str(runner.workspace / ".venv" / "bin" / "autograder"), "selftest", "--jobs", "2"],
                          capture_output=True, text=True, cwd=runner.tmp, timeout=600,
                          env={k: v for k, v in runner.env.items() if k != "GITHUB_STEP_SUMMARY"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("mutation score 100.0%: passed")
