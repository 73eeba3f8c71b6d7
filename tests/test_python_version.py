"""The package keeps Python 3.10's syntax and standard library (Gradescope's image has 3.10): vermin says so."""
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

VERMIN = [str(Path(sys.executable).parent / "vermin"), "--target=3.10-", "--violations", "--no-tips", "--no-parse-comments"]


def violations(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*VERMIN, str(path)], capture_output=True, text=True, timeout=300)


def test_the_package_needs_nothing_newer_than_python_3_10():
    done = violations(ROOT / "autograder")
    assert done.returncode == 0, done.stdout + done.stderr


def test_vermin_finds_what_python_3_10_lacks(tmp_path):
    """The check above can fail: code of 3.11 (except*, tomllib) and of 3.12 (a type statement)."""
    for code in ("try:\n    pass\nexcept* ValueError:\n    pass\n", "import tomllib\n", "type Point = tuple[int, int]\n"):
        (tmp_path / "newer.py").write_text(code)
        done = violations(tmp_path / "newer.py")
        assert done.returncode != 0 and "requires !2, 3.1" in done.stdout, (code, done.stdout, done.stderr)
