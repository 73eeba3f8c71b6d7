"""DIR/<id>/results.json in Gradescope's schema, and seeds.json beside it, from each Report; a refusal's results.json."""
from __future__ import annotations

import json
import os
from pathlib import Path

from autograder.errors import OutputError
from autograder.model import Report, safe_id
from autograder.sinks import Sink


def to_gradescope(report: Report) -> dict:
    tests = []
    for r in report.results:
        tests.append({
            "name": r.name,
            "score": r.score,
            "max_score": r.max_score,
            "status": "passed" if r.score == r.max_score else "failed",
            "output": r.message,
            "output_format": "md",
            "visibility": "visible" if r.visibility == "public" else "after_published",
            "tags": [r.function] + ([r.mistake] if r.mistake else []),
        })
    return {
        "score": report.score,
        "output": "\n\n".join(report.notes),
        "output_format": "md",
        "execution_time": report.seconds,
        "tests": tests,
        "extra_data": {"submission": report.submission_id, "sha256": report.sha256,
                       "seed": report.public_seed, "grader_version": report.version},
    }


def write_atomic(target: Path, text: str) -> None:
    """Write a file so that a kill never leaves half of it: a temporary file, then a rename.
    A failure (a read-only folder, a full disk) leaves no temporary file, and is an
    OutputError that names the file."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise OutputError(f"{target}: could not be written: {exc.strerror or exc}") from None


def _write_json(target: Path, data) -> None:
    write_atomic(target, json.dumps(data, indent=2, ensure_ascii=False))


def write(report: Report, out_dir: Path) -> Path:
    """Write DIR/<id>/results.json atomically, so a kill never leaves half a file.

    Beside it, seeds.json (for the instructor, not for upload) records both seeds,
    so that a grading can be replayed exactly.
    """
    folder = Path(out_dir) / safe_id(report.submission_id)   # one path component, whatever the id
    _write_json(folder / "seeds.json", {"public": report.public_seed, "hidden": report.hidden_seed,
                                          "sha256": report.sha256, "grader_version": report.version})
    target = folder / "results.json"
    _write_json(target, to_gradescope(report))
    return target


def refusal(reason: str) -> dict:
    """A results.json for a submission that was not graded because the grader refused
    (no sandbox, its own files readable, a crash): 0 points, and why, which Gradescope
    shows to the student instead of "The autograder failed to execute correctly"."""
    return {"score": 0.0, "output_format": "md", "tests": [],
            "output": ("The autograder did not grade this submission, and this is not a mistake "
                       f"of the submission: tell your instructor.\n\n{reason}")}


def write_refusal(target: Path, reason: str) -> None:
    _write_json(Path(target), refusal(reason))


class ResultsJson(Sink):
    """Writes each report's results.json as soon as it is ready (also when it was
    unchanged and skipped: a kill may have come before its file was written). With
    ``single``, the one submission's results.json is also written to that exact path
    (Gradescope's /autograder/results/results.json)."""

    def __init__(self, out_dir: Path, single: Path | None = None):
        self.out_dir = Path(out_dir)
        self.single = Path(single) if single is not None else None

    def add(self, report: Report, skipped: bool) -> None:
        write(report, self.out_dir)
        if self.single is not None:
            _write_json(self.single, to_gradescope(report))
