"""`autograder nbgrader init`: an nbgrader course folder with its config, a grading kernel and the source notebook.

What it writes into COURSE_DIR:

- ``course.yaml``: the course's settings (a copy of the one in use), so that `autograder
  grade submitted/` run there, and the kernel, use the same points and limits;
- the course secret (course.yaml's ``secret_file``) when there is none yet;
- ``jupyter/kernels/<kernel>/kernel.json``: a kernel that runs this environment's Python
  (where torch and autograder are), with $AUTOGRADER_CONFIG naming that course.yaml;
- ``nbgrader_config.py``: names that kernel for `nbgrader autograde` (and puts
  ``jupyter/`` on $JUPYTER_PATH for nbgrader's process only, so nothing is installed
  for the user), a cell timeout above the longest check, and a `generate_feedback` that
  leaves the hidden tests (and so the course-level seed) out of the students' feedback;
- ``source/<assignment>/<assignment>.ipynb``: the source notebook (``source.build``).

A file that exists with other contents is refused (its name in the message) unless
``force``; nothing is written then.
"""
from __future__ import annotations

import json
import math
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from autograder.course import Settings
from autograder.errors import ConfigError, UsageError
from autograder.grader.seeds import hidden_seed
from autograder.nbgrader import source

# the hidden seed's name: a slash and a space, so no student id (``model.safe_id``) can share it
COURSE_SEED_ID = "/nbgrader autograde"


def default_files() -> tuple[Path, Path]:
    """The exercise's one source and the reference solution, both shipped in the package
    (``autograder/exercise/chapter.py``, ``autograder/selftest/reference.py``), so that an
    installed package can write a course as a checkout can."""
    from autograder import exercise
    return exercise.SOURCE, Path(__file__).resolve().parents[1] / "selftest" / "reference.py"


def kernel_name(assignment: str) -> str:
    return "autograder-" + (re.sub(r"[^a-z0-9._-]+", "-", assignment.lower()).strip("-") or "course")


def course_seed(secret: bytes, assignment: str) -> int:
    """The seed of the hidden test cells, written into the source notebook: one for the course."""
    if not secret:
        return secrets.randbelow(2 ** 63)
    return hidden_seed(secret, assignment, COURSE_SEED_ID)


def cell_timeout(settings: Settings) -> int:
    """nbgrader's timeout per cell, in wall seconds: above the longest check a test cell runs
    (a limit in CPU seconds, stopped at three times as much wall time), with room to start."""
    limits = settings.limits
    return int(math.ceil(3 * max(limits.probe_seconds, limits.training_seconds, limits.cell_seconds))) + 30


def kernel_json(settings: Settings, config: Path) -> dict:
    return {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python (autograder, {settings.assignment} grading)",
        "language": "python",
        # AUTOGRADER_NO_PLOTS: nbgrader's kernel runs test cells, which draw nothing, so it does
        # not load matplotlib for check()'s plots when the notebook imports the autograder
        "env": {"AUTOGRADER_CONFIG": str(config), "AUTOGRADER_NO_PLOTS": "1"},
        "metadata": {"debugger": False},
    }


def nbgrader_config(settings: Settings) -> str:
    name = kernel_name(settings.assignment)
    return f'''"""nbgrader's configuration of this course, written by `autograder nbgrader init`."""
import os

c = get_config()  # noqa: F821 - nbgrader's config loader defines it

c.CourseDirectory.course_id = {settings.assignment!r}
c.Autograde.create_student = True

# `nbgrader autograde` runs the notebooks in the grading environment's kernel, where torch and
# autograder are: jupyter/kernels/{name}/kernel.json beside this file. It is found through
# JUPYTER_PATH, set here for nbgrader's own process only (nothing is installed for the user).
_here = os.path.dirname(os.path.abspath(__file__))
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    p for p in (os.path.join(_here, "jupyter"), os.environ.get("JUPYTER_PATH")) if p)
c.Execute.kernel_name = {name!r}
# seconds per cell: above the longest check of course.yaml's limits
c.Execute.timeout = {cell_timeout(settings)}
# the feedback leaves out the hidden tests (their source holds the course-level seed)
c.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.ClearHiddenTests",
                                    "nbgrader.preprocessors.GetGrades",
                                    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
'''


@dataclass
class Written:
    course_dir: Path
    files: list[Path]
    kernel: str
    seed_from_secret: bool


def init(course_dir: Path, settings: Settings, config: Path | None, exercise: Path, solution: Path,
         secret: bytes, force: bool = False) -> Written:
    """Write the course (see the module's docstring). ``secret`` is the course secret in use
    ($AUTOGRADER_SECRET or course.yaml's secret file). Without $AUTOGRADER_SECRET, grading in
    COURSE_DIR reads course.yaml's secret file there: an existing one is used, else ``secret``
    (or, when it is empty, a new random one) is written to it."""
    course_dir = Path(course_dir)
    if course_dir.exists() and not course_dir.is_dir():
        raise UsageError(f"{course_dir}: not a folder (expected an nbgrader course folder, or a new one)")
    texts = {}
    for path in (exercise, solution):
        try:
            texts[path] = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc}); expected the "
                              "exercise's source (percent format, as exercises/linreg.py) and its "
                              "reference solution (as solutions/linreg.py): pass --exercise and "
                              "--solution, or leave them out for the package's own") from None
    files: dict[Path, bytes] = {}
    course_yaml = course_dir / "course.yaml"
    if config is not None:
        files[course_yaml] = Path(config).read_bytes()
    else:
        data = settings.model_dump(mode="json", exclude={"source"})
        files[course_yaml] = yaml.safe_dump(data, sort_keys=False).encode()
    new_secret = None
    if settings.secret_file and not os.environ.get("AUTOGRADER_SECRET"):
        target = course_dir / settings.secret_file     # the secret that grading in COURSE_DIR reads
        if target.is_file():
            secret = target.read_bytes().strip()
        else:
            secret = secret or secrets.token_hex(32).encode()
            new_secret = target
    seed = course_seed(secret, settings.assignment)
    name = kernel_name(settings.assignment)
    kernel_dir = course_dir / "jupyter" / "kernels" / name
    files[kernel_dir / "kernel.json"] = (json.dumps(kernel_json(settings, course_yaml.resolve()), indent=2)
                                         + "\n").encode()
    files[course_dir / "nbgrader_config.py"] = nbgrader_config(settings).encode()
    nb = source.build(texts[exercise], texts[solution], settings, seed, (str(exercise), str(solution)))
    files[course_dir / "source" / settings.assignment / f"{settings.assignment}.ipynb"] = \
        (nbformat.writes(nb) + "\n").encode()
    if not force:
        for path, data in files.items():
            if path.exists() and path.read_bytes() != data:
                what = ("it was generated with another course secret or course.yaml"
                        if path.suffix == ".ipynb" else "it differs from what init writes")
                raise UsageError(f"{path}: exists, and {what}; --force replaces it (nothing was written)")
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if new_secret is not None:
        new_secret.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(new_secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secret + b"\n")
        files[new_secret] = secret
    return Written(course_dir, list(files), name, bool(secret))
