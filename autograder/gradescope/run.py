"""`autograder gradescope run`: what the zip's run_autograder does, in Gradescope's /autograder tree.

Gradescope (its autograder specification) gives, under the root (``/autograder``, or
``$AUTOGRADER_ROOT``): ``source/`` the zip's files, ``submission/`` the student's files,
``submission_metadata.json`` (``users``: each with ``email``, ``id``, ``name``, and on
some courses ``sid``), and expects ``results/results.json``.

``run`` does it all with the `grade` command it is given. ``plan`` makes that tree private to root (the sandbox's container mode refuses files
that any uid may read), finds the one .py or .ipynb to grade, takes the student's id
from the metadata (so each student gets their own hidden seed), and returns the
`grade` command to run. ``fallback`` writes a results.json that says why whenever
that command wrote none.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder.gradescope.build import SECRET_NAME
from autograder.grader import private
from autograder.sinks.results_json import write_refusal

DEFAULT_ROOT = "/autograder"
ROOT_VARIABLE = "AUTOGRADER_ROOT"


class NotGradable(Exception):
    """The submission cannot be graded as it was handed in; the message is for the student."""


@dataclass(frozen=True)
class Plan:
    argv: list[str]
    results: Path
    secret: bytes


def root_of(explicit: str | None, environ) -> Path:
    return Path(explicit or environ.get(ROOT_VARIABLE) or DEFAULT_ROOT)


def student_id(metadata_path: Path) -> str:
    """The student's id for the hidden seed: per user, ``sid`` (the school's id, as in a
    roster), else ``email``, else Gradescope's ``id``; a group's ids joined with "+"."""
    try:
        data = json.loads(metadata_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "student"
    except (OSError, ValueError) as exc:
        raise NotGradable(f"{metadata_path.name} cannot be read: {exc}") from None
    ids = []
    for user in (data.get("users") or []) if isinstance(data, dict) else []:
        if not isinstance(user, dict):
            continue
        for key in ("sid", "email", "id"):
            value = user.get(key)
            if value not in (None, ""):
                ids.append(str(value))
                break
    if not ids:
        raise NotGradable(f"{metadata_path.name}: no user with an sid, email or id")
    return "+".join(sorted(ids))


def pick(submission: Path, assignment: str) -> Path:
    """The one .py or .ipynb file handed in (one named after the assignment, when there are several)."""
    files = sorted(p for p in submission.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file()
                   and not p.is_symlink() and not p.name.startswith("._")     # macOS's AppleDouble files
                   and not {".ipynb_checkpoints", "__MACOSX", "__pycache__"} & set(p.parts))
    if len(files) == 1:
        return files[0]
    named = [p for p in files if p.stem == assignment]
    if len(named) == 1:
        return named[0]
    listed = ", ".join(str(p.relative_to(submission)) for p in files[:10])
    if not files:
        raise NotGradable("no .py or .ipynb file was handed in: upload your notebook or .py file")
    raise NotGradable(f"expected one .py or .ipynb file (or one named {assignment}.py or "
                      f"{assignment}.ipynb), and found {len(files)}: {listed}")


def make_private(root: Path) -> None:
    """Only root may read the course's files, the submission, the metadata and the results;
    the root itself stays searchable, for the virtual environment inside it."""
    os.chmod(root, 0o711)
    for name in ("source", "submission", "results", "grading"):
        folder = root / name
        folder.mkdir(mode=0o700, exist_ok=True)
        for path, dirs, files in os.walk(folder):
            os.chmod(path, 0o700)
            for f in files:
                full = os.path.join(path, f)
                if not os.path.islink(full):
                    os.chmod(full, os.stat(full).st_mode & 0o700)
    for name in ("submission_metadata.json", "run_autograder"):
        if (root / name).is_file():
            os.chmod(root / name, 0o700 if name == "run_autograder" else 0o600)


def plan(root: Path, assignment: str = "linreg") -> Plan:
    """The `grade` command for this submission. Raises NotGradable with the student's reason."""
    make_private(root)
    private.hide_catalogue()      # the package's working code, out of the submission's reach
    source = root / "source"
    secret_file = source / SECRET_NAME
    secret = secret_file.read_bytes().strip() if secret_file.is_file() else b""
    config = source / "course.yaml"
    file = pick(root / "submission", assignment)
    grading = root / "grading"
    argv = ["grade", str(file), "--sandbox", "container", "--jobs", "1",
            "--id", student_id(root / "submission_metadata.json"),
            "--out", str(grading / "results"), "--gradebook", str(grading / "autograder.db"),
            "--results-json", str(root / "results" / "results.json"), "--quiet"]
    if config.is_file():
        argv += ["--config", str(config)]
    return Plan(argv, root / "results" / "results.json", secret)


def fallback(results: Path, reason: str) -> None:
    """A results.json that says why, when the grading wrote none."""
    write_refusal(results, reason)


class _Tee:
    """stderr, with its last lines kept for a results.json that has to say why."""

    def __init__(self, stream, keep: int = 4000):
        self.stream, self.keep, self.text = stream, keep, ""

    def write(self, text):
        self.text = (self.text + text)[-self.keep:]
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return False


def run(root: Path, grade: Callable[[list[str]], int]) -> int:
    """Grade the submission in ``root`` with ``grade(argv)`` (the command line's main);
    returns its exit code. Whatever happens, ``results/results.json`` exists afterwards:
    the grading's, or one that says why there is none."""
    from autograder import course
    from autograder.errors import ConfigError

    results = root / "results" / "results.json"
    code, reason = 3, "the grading stopped before it wrote its results"
    tee = _Tee(sys.stderr)
    sys.stderr = tee
    try:
        config = root / "source" / "course.yaml"
        assignment = course.load(config).assignment if config.is_file() else "linreg"
        steps = plan(root, assignment)
        if steps.secret:
            os.environ["AUTOGRADER_SECRET"] = steps.secret.decode()
        os.chdir(root / "source")
        code = grade(steps.argv)
        reason = tee.text.strip() or f"the grading ended with exit code {code}"
    except NotGradable as exc:
        reason = f"Your submission could not be graded: {exc}"
        print(f"autograder: {reason}", file=tee)
        fallback(results, reason)
        return 0                    # graded, as an unreadable file is: 0 points and why
    except ConfigError as exc:
        code, reason = 2, str(exc)
        print(f"autograder: {reason}", file=tee)
    except Exception:  # noqa: BLE001 - whatever it was, Gradescope must get a reason
        reason = traceback.format_exc()
        print(reason, file=tee)
    finally:
        sys.stderr = tee.stream
    if not results.is_file():
        fallback(results, f"```\n{reason[-2000:]}\n```")
    return code
