"""The run as one JSON document: each submission's results.json (Gradescope's schema), with its id and path."""
from __future__ import annotations

import json

from autograder.model import Report
from autograder.sinks import Summary
from autograder.sinks.machine import Written, shown_message
from autograder.sinks.results_json import to_gradescope


class Json(Written):
    """``{"submissions": [{"id", "path", "max_score", ...results.json}], "summary": {...}}``."""

    def __init__(self, out=None, stream=None):
        super().__init__(out, stream)
        self.submissions: list[dict] = []

    def add(self, report: Report, skipped: bool) -> None:
        data = to_gradescope(report)
        # a failed hidden check says only that it failed, as in the other formats a student may read
        for test, result in zip(data["tests"], report.results):
            test["output"] = shown_message(result)
        self.submissions.append({"id": report.submission_id, "path": report.path,
                                 "max_score": report.max_score, **data})

    def text(self, summary: Summary) -> str:
        data = {"submissions": sorted(self.submissions, key=lambda s: s["id"]),
                "summary": {"count": summary.count, "graded": summary.graded, "complete": summary.complete,
                            "mean_score": summary.total / summary.count if summary.count else None,
                            "max_score": summary.max_score, "full_marks": summary.full}}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
