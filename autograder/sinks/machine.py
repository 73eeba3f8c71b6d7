"""What the machine formats share: where they write (standard output or a file) and what a student may read of a check."""
from __future__ import annotations

import sys
from pathlib import Path

from autograder.sinks import Sink, Summary
from autograder.sinks.results_json import write_atomic

from autograder.sinks.feedback import shown_message  # noqa: F401 - what the formats show of a check


class Written(Sink):
    """A sink whose whole text is written when the run ends: to ``out`` (atomically) or to
    standard output. Also when the run did not complete: what was graded is not lost."""

    def __init__(self, out: str | Path | None = None, stream=None):
        self.out = Path(out) if out else None
        self.stream = stream

    def text(self, summary: Summary) -> str:
        raise NotImplementedError

    def close(self, summary: Summary) -> None:
        text = self.text(summary)
        if self.out is not None:
            write_atomic(self.out, text)
        else:
            stream = self.stream or sys.stdout
            stream.write(text)
            stream.flush()
