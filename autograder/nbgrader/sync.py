"""`autograder nbgrader sync`: our grades and feedback into nbgrader's own gradebook, through nbgrader's API.

After `autograder grade COURSE_DIR/submitted`, each student's counted grading (per-student
HMAC seeds, verdicts computed outside the student's process) is written through
``nbgrader.api.Gradebook``: every check's score as the ``auto_score`` of its grade cell
(``source.grade_id``), with ``needs_manual_grade`` off, and our feedback as the
``auto_comment`` of each function's solution cell (training's goes with the last function's,
the notes about the submission as a whole with the first's). Students and submissions are created
when nbgrader has none; a timestamp we read from timestamp.txt goes with the submission,
and course.yaml's ``due`` becomes the assignment's due date.
A score a human gave (``manual_score``) is left as it is: nbgrader shows it first.

nbgrader's grade cells come from its source notebook, so `nbgrader generate_assignment`
must have run on the notebook that `autograder nbgrader init` wrote. Nothing of ours is
written to nbgrader's database but through its API; our gradebook is a file of its own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder import spec
from autograder.course import Settings
from autograder.errors import ConfigError, GradebookError, UsageError
from autograder.nbgrader.source import grade_id
from autograder.sinks.feedback import bodies
from autograder.store.gradebook import Gradebook


@dataclass
class Synced:
    students: list[str] = field(default_factory=list)
    grades: int = 0
    notes: list[str] = field(default_factory=list)


def nbgrader_settings(course_dir: Path) -> tuple[str, str]:
    """(course_id, db_url) as nbgrader run in COURSE_DIR sees them (its nbgrader_config.py)."""
    course_id, db_url = "default_course", None
    config = course_dir / "nbgrader_config.py"
    if config.is_file():
        from traitlets.config.loader import PyFileConfigLoader
        try:
            loaded = PyFileConfigLoader(config.name, path=str(course_dir)).load_config()
        except Exception as exc:  # noqa: BLE001 - the instructor's Python file
            raise ConfigError(f"{config}: nbgrader cannot load it either ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
        directory = loaded.get("CourseDirectory", {})
        course_id = directory.get("course_id") or course_id
        db_url = directory.get("db_url") or None
        if directory.get("root"):
            course_dir = Path(directory["root"])
    return course_id, db_url or "sqlite:///" + os.path.abspath(course_dir / "gradebook.db")


def _comment(results: list[tuple], language: str) -> str:
    parts = []
    for r, title, body in results:
        mark = "✅" if r.passed else "❌"
        parts.append(f"{mark} {title} ({r.score:g}/{r.max_score:g})"
                     + ("" if r.passed or not body else "\n\n" + body))
    return "\n\n".join(parts)


def sync(course_dir: Path, settings: Settings, ours: Path, policy: str = "latest") -> Synced:
    course_dir = Path(course_dir)
    if not Path(ours).is_file():
        raise UsageError(f"{ours}: no gradebook of ours; run `autograder grade {course_dir / 'submitted'}` "
                         f"in {course_dir} first (or pass --gradebook)")
    course_id, db_url = nbgrader_settings(course_dir)
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_file():
        raise UsageError(f"{db_url[len('sqlite:///'):]}: no nbgrader gradebook; run `nbgrader "
                         f"generate_assignment {settings.assignment}` in {course_dir} first")
    with Gradebook(ours) as book:
        reports = book.counted_reports(settings.assignment, policy)
    try:
        from nbgrader.api import InvalidEntry, MissingEntry
    except ImportError:
        raise UsageError("nbgrader is not installed in this environment (expected nbgrader 0.9: "
                         "pip install 'linreg-autograder[nbgrader]')") from None
    from sqlalchemy.exc import SQLAlchemyError
    try:
        return _write(course_dir, settings, reports, course_id, db_url)
    except (InvalidEntry, MissingEntry, SQLAlchemyError) as exc:
        raise GradebookError(f"{db_url}: nbgrader's gradebook refused a write ({type(exc).__name__}: "
                             f"{str(exc)[:300]}); what was written before is kept") from None


def _write(course_dir: Path, settings: Settings, reports, course_id: str, db_url: str) -> Synced:
    from nbgrader.api import Gradebook as NbGradebook, MissingEntry

    done = Synced()
    name = settings.assignment
    with NbGradebook(db_url, course_id=course_id) as gb:
        try:
            assignment = gb.find_assignment(name)
        except MissingEntry:
            raise UsageError(f"{db_url}: nbgrader has no assignment {name!r}; run `nbgrader "
                             f"generate_assignment {name}` in {course_dir} first") from None
        if settings.due is not None:      # nbgrader's own late flag and penalty then agree with ours
            gb.update_or_create_assignment(name, duedate=settings.due)
        notebooks = [nb.name for nb in assignment.notebooks]
        if name not in notebooks:
            raise UsageError(f"{db_url}: assignment {name!r} has no notebook {name!r} (it has "
                             f"{', '.join(notebooks) or 'none'}); expected the source notebook that "
                             "`autograder nbgrader init` writes")
        notebook = next(nb for nb in assignment.notebooks if nb.name == name)
        cells = {c.name: c for c in notebook.grade_cells}
        missing = [grade_id(c) for c in spec.CHECKS if grade_id(c) not in cells]
        if missing:
            raise UsageError(f"{db_url}: notebook {name!r} has no grade cell {', '.join(missing[:5])}"
                             f"{' ...' if len(missing) > 5 else ''}; run `autograder nbgrader init` and "
                             f"`nbgrader generate_assignment {name}` again")
        solution_cells = {c.name for c in notebook.solution_cells}
        for report in reports:
            student = report.submission_id
            gb.update_or_create_student(student)
            extra = {"timestamp": report.submitted_at} if report.submitted_at else {}
            gb.update_or_create_submission(name, student, **extra)
            for result in report.results:
                cell = cells[grade_id(result.id)]
                if result.max_score != cell.max_score:
                    done.notes.append(f"{student}: {result.id} is worth {result.max_score:g} in course.yaml "
                                      f"and {cell.max_score:g} in nbgrader's notebook; regenerate it")
                grade = gb.find_grade(cell.name, name, name, student)
                grade.auto_score = min(result.score, cell.max_score)
                grade.needs_manual_grade = False
                done.grades += 1
            by_function: dict[str, list] = {}
            for item in bodies(report, settings.language):
                by_function.setdefault(item[0].function, []).append(item)
            texts = {f: _comment(by_function.get(f, []), settings.language) for f in spec.FUNCTIONS}
            last = spec.FUNCTIONS[-1]
            if by_function.get("training"):
                texts[last] += "\n\n" + _comment(by_function["training"], settings.language)
            if report.notes:
                first = spec.FUNCTIONS[0]
                texts[first] = "\n\n".join(f"- {n}" for n in report.notes) + "\n\n" + texts[first]
            for function, text in texts.items():
                if function in solution_cells:
                    gb.find_comment(function, name, name, student).auto_comment = text
            gb.db.commit()
            done.students.append(student)
    return done
