"""JUnit XML of a run: one <testsuite> per submission, one <testcase> per check, its points in <properties>.

The layout is pytest's ``junit_family=xunit1``, which CI services read: a failed check
is a ``<failure>`` whose ``message`` is the mistake's id and whose text is the check's
message (a hidden check's says only that it failed); each testcase carries
``points`` and ``max_points`` as properties, which xunit1 allows and xunit2 does not.
Text from a submission is written through ElementTree, which escapes it, and
characters that XML 1.0 cannot hold are written as ``\\xNN``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from autograder.model import Report
from autograder.sinks import Summary
from autograder.sinks.machine import Written, shown_message

_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text) -> str:
    """``text`` without the characters XML 1.0 forbids (written visibly as ``\\xNN``)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", str(text))


def _points(value: float) -> str:
    return f"{value:g}"


def testsuite(report: Report, classname: str = "linreg") -> ET.Element:
    failures = sum(not r.passed for r in report.results)
    suite = ET.Element("testsuite", name=xml_text(report.submission_id), tests=str(len(report.results)),
                       failures=str(failures), errors="0", skipped="0", time=f"{report.seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    for name, value in (("score", _points(report.score)), ("max_score", _points(report.max_score)),
                        ("path", xml_text(report.path)), ("sha256", report.sha256)):
        ET.SubElement(props, "property", name=name, value=value)
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=f"{classname}.{xml_text(report.submission_id)}",
                             name=r.name, time="0.000")
        points = ET.SubElement(case, "properties")
        ET.SubElement(points, "property", name="points", value=_points(r.score))
        ET.SubElement(points, "property", name="max_points", value=_points(r.max_score))
        ET.SubElement(points, "property", name="visibility", value=r.visibility)
        if not r.passed:
            failure = ET.SubElement(case, "failure", message=r.mistake or "failed", type=r.function)
            failure.text = xml_text(shown_message(r))
    if report.notes:
        ET.SubElement(suite, "system-out").text = xml_text("\n\n".join(report.notes))
    return suite


class JUnit(Written):
    """The run's JUnit XML, written when it ends."""

    def __init__(self, out=None, stream=None):
        super().__init__(out, stream)
        self.suites: list[ET.Element] = []

    def add(self, report: Report, skipped: bool) -> None:
        self.suites.append(testsuite(report))

    def text(self, summary: Summary) -> str:
        root = ET.Element("testsuites", name="autograder", tests=str(sum(int(s.get("tests")) for s in self.suites)),
                          failures=str(sum(int(s.get("failures")) for s in self.suites)), errors="0",
                          time=f"{summary.seconds:.3f}")
        root.extend(sorted(self.suites, key=lambda s: s.get("name")))
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
