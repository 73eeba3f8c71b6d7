"""Inputs that try to point elsewhere, and reports forged from inside a submission: real files, real attacks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.inputs.discover import discover
from autograder.model import safe_id
from tests.conftest import REFERENCE, ROOT


def run(*args, cwd=ROOT):
    env = dict(os.environ, AUTOGRADER_SECRET="hostile-inputs")
    args = (*args, "--gradebook", os.path.join(tempfile.mkdtemp(), "autograder.db"))
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def results(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}


# ---- ids ------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["..", ".", "...", "a/b", "../../etc", ".hidden", "x" * 300, "", "\x1b[2J"])
def test_no_id_names_a_path_outside_its_folder(raw):
    sid = safe_id(raw)
    assert sid and "/" not in sid and not sid.startswith(".") and len(sid) <= 100
    assert (Path("/out") / sid).parent == Path("/out")


def test_safe_ids_are_kept_and_unsafe_ones_never_collide():
    assert safe_id("alice_01") == "alice_01" and safe_id("bob@uni.edu") == "bob@uni.edu"
    assert safe_id("张三") == "张三"
    assert safe_id("a b") != safe_id("a_b") and safe_id("a b") != safe_id("a?b")


def test_a_file_named_dots_is_written_inside_out(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "...py").write_text(REFERENCE)
    out = tmp_path / "a" / "out"
    proc = run("grade", str(subs), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["out"]
    graded = results(out)
    assert len(graded) == 1 and next(iter(graded.values()))["score"] == 23


# ---- symbolic links -------------------------------------------------------------

def _nbgrader_tree(tmp_path: Path, links: dict[str, str]) -> Path:
    for student, target in links.items():
        folder = tmp_path / "submitted" / student / "linreg"
        folder.mkdir(parents=True)
        (folder / "linreg.py").symlink_to(target)
    honest = tmp_path / "submitted" / "alice" / "linreg"
    honest.mkdir(parents=True)
    (honest / "linreg.py").write_text(REFERENCE)
    return tmp_path / "submitted"


def test_a_link_to_the_solutions_is_refused_and_never_read(tmp_path):
    solutions = str(ROOT / "solutions" / "linreg.py")
    tree = _nbgrader_tree(tmp_path, {"mallory": solutions, "trudy": solutions})
    out = tmp_path / "out"
    proc = run("grade", str(tree), "--out", str(out))
    assert proc.returncode == 0, proc.stderr    # two links to one file do not stop the class
    graded = results(out)
    assert set(graded) == {"alice", "mallory", "trudy"}
    assert graded["alice"]["score"] == 23
    for cheat in ("mallory", "trudy"):
        assert graded[cheat]["score"] == 0
        assert "is a symbolic link" in graded[cheat]["output"] or "a symbolic link" in graded[cheat]["output"]
        assert f"submitted/{cheat}/linreg/linreg.py" in graded[cheat]["output"]


def test_a_link_to_a_secret_file_puts_nothing_of_it_in_the_feedback(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$saltsalt$SECRETHASH:19000:0:99999:7:::\n")
    tree = _nbgrader_tree(tmp_path, {"mallory": str(secret)})
    out = tmp_path / "out"
    proc = run("grade", str(tree), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    everything = proc.stdout + proc.stderr + "".join(
        p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert "SECRETHASH" not in everything
    assert results(out)["mallory"]["score"] == 0


def test_a_linked_folder_inside_the_tree_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "linreg.py").write_text(REFERENCE)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "bob.py").write_text(REFERENCE)
    (subs / "linked").symlink_to(elsewhere, target_is_directory=True)
    assert [s.id for s in discover([str(subs)])] == ["bob"]


def test_a_link_given_on_the_command_line_is_refused(tmp_path):
    (tmp_path / "real.py").write_text(REFERENCE)
    (tmp_path / "eve.py").symlink_to(tmp_path / "real.py")
    [source] = discover([str(tmp_path / "eve.py")])
    submission = source.load()
    assert submission.error and "a symbolic link" in submission.error and not submission.cells


# ---- sizes that agree -----------------------------------------------------------

def test_the_largest_file_allowed_reaches_the_sandbox(grade):
    """A file just under the 20 MB limit, in the worst case for its JSON request: every
    byte of its comment a control character, six bytes on the wire each."""
    from autograder.inputs.read import MAX_BYTES
    from autograder.sandbox import protocol
    assert protocol.MAX_SUBMISSION_BYTES == MAX_BYTES
    filler = MAX_BYTES - len(REFERENCE.encode()) - 64
    report = grade(REFERENCE + "\n# " + "\x01" * filler + "\n")
    assert report.score == report.max_score, [r.message for r in report.results if not r.passed][:1]


# ---- reports forged from inside a submission -------------------------------------

FORGER = REFERENCE + r'''
import json, os, struct
SKIP = 0

def _frame(body, tensors=(), payload=b""):
    header = json.dumps({"body": body, "tensors": list(tensors)}).encode()
    return struct.pack("!IQ", len(header), len(payload)) + header + payload

FORGERIES = [
    _frame({"op": "probe", "id": "x", "status": "ok", "result": {"$t": 7}}),
    _frame({"op": "cell", "index": "one", "status": ["ok"], "error": 5}),
    _frame([1, 2, 3]),
    _frame({"op": "loaded", "names": {"linreg": 5, "sgd": [1]}}),
    _frame({"op": "cell", "index": 0}, [{"dtype": "float32", "shape": [10**9], "offset": 0, "nbytes": 4}], b"1234"),
    _frame({"op": "cell", "index": 0}, [{"dtype": "object", "shape": [1], "offset": 0, "nbytes": 8}], b"12345678"),
    struct.pack("!IQ", 12, 0) + b"[[[[[[[[[[[[",
    os.urandom(64),
]
for fd in range(3, 256):
    for forged in FORGERIES[SKIP:]:
        try:
            os.write(fd, forged)
        except OSError:
            pass
'''


# frames that do not decode, and frames that decode into messages of the wrong shape
FORGERS = {"undecodable": FORGER, "wrong shapes": FORGER.replace("SKIP = 0", "SKIP = 1")}


@pytest.mark.parametrize("forgery", list(FORGERS))
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_forged_frames_cost_only_the_submission_that_sent_them(tmp_path, kind, forgery):
    subs = tmp_path / "subs"
    subs.mkdir()
    forger = FORGERS[forgery]
    if kind == "py":
        (subs / "forger.py").write_text(forger)
    else:
        import nbformat
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(forger)]
        nbformat.write(nb, subs / "forger.ipynb")
    for name in ("aaa", "zzz"):
        (subs / f"{name}.py").write_text(REFERENCE)
    out = tmp_path / "out"
    proc = run("grade", str(subs), "--out", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    graded = results(out)
    assert set(graded) == {"aaa", "forger", "zzz"}
    assert graded["aaa"]["score"] == graded["zzz"]["score"] == 23
    assert graded["forger"]["score"] <= 23
    assert "Traceback" not in proc.stderr


def test_random_frames_never_escape_decode_as_anything_but_a_wire_error():
    """A fuzz of the decoder with structured and random forgeries."""
    import random
    import struct

    from autograder.sandbox import protocol
    rng = random.Random(1234)
    good = protocol.encode({"op": "probe", "id": "a", "status": "ok", "result": {"x": [1.0, 2.0]}})
    for trial in range(3000):
        frame = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            frame[rng.randrange(len(frame))] = rng.randrange(256)
        if trial % 3 == 0:
            body = json.dumps({"body": {"op": "probe", "r": {"$t": rng.randint(-3, 3)}},
                               "tensors": [{"dtype": rng.choice(["float32", "int64", "x"]),
                                            "shape": [rng.randint(-2, 9)], "offset": rng.randint(-4, 8),
                                            "nbytes": rng.randint(-4, 40)}]}).encode()
            payload = bytes(rng.randrange(256) for _ in range(rng.randint(0, 16)))
            frame = bytearray(struct.pack("!IQ", len(body), len(payload)) + body + payload)
        try:
            message = protocol.decode(bytes(frame))
        except protocol.WireError:
            continue
        assert isinstance(message, dict)
