"""The JUnit schemas that the tests validate against: pytest's junit-10.xsd (xunit2), and xunit1 made from it."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema

SCHEMAS = Path(__file__).parent / "schemas"

_CHOICE_END = '                    <xs:element ref="system-err"/>\n                </xs:choice>'
_GROUP = '            <xs:attribute name="group" type="xs:string"/>\n'


def xunit2() -> xmlschema.XMLSchema:
    """pytest's own schema, as its tests use it (for xunit2)."""
    return xmlschema.XMLSchema((SCHEMAS / "junit-10.xsd").read_text(encoding="utf-8"))


def xunit1() -> xmlschema.XMLSchema:
    """junit-10.xsd with what xunit1 adds to a <testcase>: <properties>, and the attributes
    file, line and url. Each insertion point must occur once, in <testcase>."""
    text = (SCHEMAS / "junit-10.xsd").read_text(encoding="utf-8")
    testcase = text.index('<xs:element name="testcase">')
    suite = text.index('<xs:element name="testsuite">')
    for anchor in (_CHOICE_END, _GROUP):
        assert text.count(anchor) == 1 and testcase < text.index(anchor) < suite, anchor
    text = text.replace(_CHOICE_END, '                    <xs:element ref="properties"/>\n' + _CHOICE_END)
    text = text.replace(_GROUP, _GROUP + "".join(
        f'            <xs:attribute name="{name}" type="xs:string"/>\n' for name in ("file", "line", "url")))
    return xmlschema.XMLSchema(text)


def points(xml_text: str) -> dict[str, tuple[float, float]]:
    """testcase name -> (points, max_points), read back from each testcase's <properties>."""
    found = {}
    for case in ET.fromstring(xml_text).iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iterfind("properties/property")}
        found[case.get("name")] = (float(props["points"]), float(props["max_points"]))
    return found
