"""The sandbox's filesystem is an allowlist: real attacks, as root and as an ordinary user.

A submission sees the interpreter and its libraries read-only, its own scratch
read-write, and nothing else: no working directory, HOME, course folder, other
submission, copy of the solutions or gradebook (nor its -wal and -shm files).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from autograder.sandbox.far import view
from autograder.store.gradebook import Gradebook
from samples import hostile
from tests import ordinary_user
from tests.conftest import REFERENCE, ROOT, lost_points


def seen(report) -> object:
    """What a `hostile.reveals` submission found: None when it found nothing."""
    for r in report.results:
        if r.function == "squared_loss" and "SEEN " in (r.message or ""):
            text = r.message.split("SEEN ", 1)[1]
            return text[: text.rindex("]") + 1] if "]" in text else text
    return None


def _top(path: str) -> str:
    return Path(path).parts[1]


def test_the_root_holds_only_the_allowlist(worker, grade):
    allowed = {"dev", "proc", "tmp"} | {_top(p) for p in view.allowlist()}
    allowed |= {name for name in os.listdir("/") if os.path.islink("/" + name)}
    report = grade(hostile.reveals(hostile.SEES_AT_ROOT.replace("ALLOWED", repr(allowed))))
    assert seen(report) is None, f"the sandbox's root also holds {seen(report)}"
    assert report.score == report.max_score


def test_what_the_root_holds_is_seen(grade):
    """The check above would pass vacuously if the submission's listing did not show."""
    report = grade(hostile.reveals(hostile.SEES_AT_ROOT.replace("ALLOWED", "{'dev'}")))
    assert "proc" in seen(report) and "tmp" in seen(report)


@pytest.fixture
def grader_side(tmp_path, grade):
    """Files the grader has beside a submission: a class, a copy of the solutions, a
    gradebook that is open in WAL mode (so its -wal and -shm files exist)."""
    other = tmp_path / "class" / "bob.py"
    other.parent.mkdir()
    other.write_text(REFERENCE)
    copy = tmp_path / "elsewhere" / "linreg.py"
    copy.parent.mkdir()
    shutil.copy(ROOT / "solutions" / "linreg.py", copy)
    book = Gradebook(tmp_path / "autograder.db")
    book.record(grade(REFERENCE, name="bob"), "bob", "linreg", "h", 0.0)
    assert (tmp_path / "autograder.db-wal").exists() and (tmp_path / "autograder.db-shm").exists()
    yield {"another submission": str(other), "a copy of the solutions": str(copy),
           "the gradebook": str(tmp_path / "autograder.db"),
           "its -wal": str(tmp_path / "autograder.db-wal"), "its -shm": str(tmp_path / "autograder.db-shm"),
           "the class folder": str(other.parent), "the working directory": os.getcwd(),
           "HOME": str(Path.home()), "course.yaml": str(ROOT / "course.yaml"),
           "the solutions": str(ROOT / "solutions" / "linreg.py"), "the checkout": str(ROOT),
           "/etc/passwd": "/etc/passwd", "/etc/hostname": "/etc/hostname", "/sys": "/sys"}
    book.close()


def test_nothing_of_the_graders_side_can_be_read(grade, grader_side):
    for what, path in grader_side.items():
        if not os.path.exists(path):
            continue
        report = grade(hostile.reads(path))
        assert report.score == report.max_score, f"{what} ({path}) was readable"


def test_the_standard_library_can_be_read(grade):
    """The test above would pass vacuously if a read that works did not show: it does."""
    report = grade(hostile.reads(os.path.realpath(os.__file__)))
    assert set(lost_points(report)) == {"squared_loss", "training"}


def test_nothing_outside_the_scratch_is_writable(grade):
    report = grade(hostile.reveals(hostile.WRITABLE))
    assert seen(report) is None, f"writable: {seen(report)}"
    assert report.score == report.max_score


def test_no_descriptor_leads_outside(grade):
    report = grade(hostile.reveals(hostile.OPEN_OUTSIDE))
    assert seen(report) is None, f"open: {seen(report)}"


PID1_MOUNTS = """
import os
def points(path):
    try:
        return {line.split()[4] for line in open(path)}
    except OSError:
        return set()
return sorted(points("/proc/1/mountinfo") - points("/proc/self/mountinfo"))
"""


def test_the_namespaces_init_shows_no_mount_of_the_graders(grade):
    """As root the init is a spawned `cat` in the grader's mount namespace: its
    /proc/1/mountinfo would list the grader's mounts."""
    report = grade(hostile.reveals(PID1_MOUNTS))
    assert seen(report) is None, f"pid 1 shows {seen(report)}"


def _join_session_keyring_with_a_secret() -> None:
    """This test process (and so the warm worker it starts) in a session keyring with a
    key in it, as a grader started by systemd or a login is."""
    import ctypes
    import platform
    number = {"x86_64": 250, "aarch64": 219}.get(platform.machine(), 250)
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.syscall(number, 1, b"autograder-test-session") >= 0
    name = f"{hostile.MARK}-grader-credential".encode()
    assert libc.syscall(248, b"user", name, b"s3cret", 6, -3) >= 0


def test_no_submission_shares_the_graders_keyring_or_anothers(tmp_path, course):
    from autograder.grader import one
    from autograder.inputs.read import load
    from autograder.sandbox.client import Zygote
    _join_session_keyring_with_a_secret()
    worker = Zygote()
    try:
        reports = []
        for name in ("first", "second"):
            path = tmp_path / f"{name}.py"
            path.write_text(hostile.reveals(hostile.KEYRING))
            reports.append(one.grade(worker, load(path), course, b"s"))
    finally:
        worker.close()
    for report in reports:
        assert seen(report) is None, f"keys seen: {seen(report)}"


def test_the_keyring_probe_sees_a_key():
    """The check above would pass vacuously if the probe could not see keys: outside the
    sandbox, in the same session keyring, it finds the grader's."""
    _join_session_keyring_with_a_secret()
    namespace: dict = {"__file__": "probe.py"}
    exec("def _probe():\n" + "\n".join("    " + line for line in hostile.KEYRING.strip().splitlines()),
         namespace)
    assert any("grader-credential" in key for key in namespace["_probe"]())


def test_what_a_submission_writes_shows():
    """The write probe itself works: run outside any sandbox, it finds the places that
    this test's user can write to (as root, / itself)."""
    namespace: dict = {}
    exec("def _probe():\n" + "\n".join("    " + line for line in hostile.WRITABLE.strip().splitlines()),
         namespace)
    found = namespace["_probe"]()
    assert found and ("/" in found or os.geteuid() != 0)


# ---- as an ordinary user (the userns mode) -----------------------------------------

def _user_course(uid: int) -> Path:
    """A course folder that an ordinary user owns, with its own virtualenv on top of
    this one's (so that its site-packages are the user's to write), and a HOME."""
    base = Path(tempfile.mkdtemp(prefix="ag-user-"))
    (base / "home").mkdir()
    (base / "home" / ".bashrc").write_text("# the grader's own\n")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True)
    inner = subprocess.run([str(base / "venv" / "bin" / "python"), "-c",
                            "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           check=True, capture_output=True, text=True).stdout.strip()
    (Path(inner) / "grader.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    shutil.copy(ROOT / "course.yaml", base / "course.yaml")
    (base / "subs").mkdir()
    for path in [base, *base.rglob("*")]:
        os.lchown(path, uid, uid)
    return base


def _as_user(uid: int, base: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(base / "home"),
           "AUTOGRADER_SECRET": "user-secret", "PYTHONDONTWRITEBYTECODE": "1"}
    return ordinary_user.run([str(base / "venv" / "bin" / "python"), "-m", "autograder", *args],
                             uid, ordinary_user.interpreter_paths() + [str(ROOT)],
                             cwd=base, env=env, capture_output=True, text=True, timeout=600)


def test_as_an_ordinary_user_a_submission_changes_nothing_outside_its_scratch():
    """The finding: in userns mode the student's uid was the grader's own, and `aaa`
    rewrote `zzz` before it was graded, appended to ~/.bashrc, made files in the
    course folder and dropped a .pth into the grader's virtualenv."""
    uid = ordinary_user.unused_uid()
    base = _user_course(uid)
    try:
        site_packages = subprocess.run([str(base / "venv" / "bin" / "python"), "-c",
                                        "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                       capture_output=True, text=True, check=True).stdout.strip()
        zzz = base / "subs" / "zzz.py"
        zzz.write_text(REFERENCE)
        targets = {"zzz.py": str(zzz), "~/.bashrc": str(base / "home" / ".bashrc"),
                   "the course folder": (str(base), "course.yaml"),
                   "the grader's site-packages": (site_packages, "grader.pth"),
                   "course.yaml": str(base / "course.yaml")}
        (base / "subs" / "aaa.py").write_text(hostile.tampers(targets))
        (base / "subs" / "bbb.py").write_text(hostile.reveals(hostile.WRITABLE))
        # the user's virtualenv is under /tmp, where the scratch is: it must still be there
        (base / "subs" / "ccc.py").write_text(hostile.reveals(
            f"import os\nreturn [] if os.path.isfile({site_packages + '/grader.pth'!r}) else ['no venv']"))
        # a fork bomb holds at most its own limit of processes, not all of the grader's uid's
        (base / "subs" / "ddd.py").write_text(hostile.reveals(hostile.FORKS))
        for path in base.rglob("*"):
            os.lchown(path, uid, uid)
        before = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
        listed = set(base.rglob("*"))
        done = _as_user(uid, base, "grade", "subs", "--out", "out", "--gradebook", "autograder.db",
                        "--jobs", "2")
        assert done.returncode == 0, done.stderr
        assert "userns mode" in done.stderr
        scores = {name: json.loads((base / "out" / name / "results.json").read_text())
                  for name in ("aaa", "bbb", "ccc", "ddd", "zzz")}
        tampered = [t for t in scores["aaa"]["tests"] if "SEEN " in t.get("output", "")]
        assert not tampered, tampered[0]["output"]
        writable = [t for t in scores["bbb"]["tests"] if "SEEN " in t.get("output", "")]
        assert not writable, writable[0]["output"]
        for name in ("ccc", "ddd"):
            found = [t["output"] for t in scores[name]["tests"] if "SEEN " in t.get("output", "")]
            assert not found, (name, found)
        assert {name: s["score"] for name, s in scores.items()} == dict.fromkeys(scores, 23)
        after = {p: p.read_bytes() for p in base.rglob("*") if p.is_file() and p in before}
        assert after == before
        # the grader's own matplotlib (feedback.html's plots) may keep its font cache in HOME
        made = {p.relative_to(base).parts[0] for p in base.rglob("*") if p not in listed
                and not p.relative_to(base).as_posix().startswith(("home/.cache", "home/.config"))}
        assert made <= {"out", "autograder.db", "autograder.db-wal", "autograder.db-shm"}, made
        cached = {p.relative_to(base / "home").as_posix() for p in (base / "home").rglob("*") if p.is_file()}
        assert {c for c in cached if "matplotlib" not in c} == {".bashrc"}, cached
        assert not list(Path(site_packages).glob("*.pth"))[1:], "a .pth beside the grader's own"
    finally:
        shutil.rmtree(base, ignore_errors=True)
