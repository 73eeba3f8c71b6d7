"""The package installs beside what a student already has: a non-editable install into a
fresh virtualenv that holds torch==2.13.0 (and the other libraries) leaves them alone.

Nothing is downloaded: pip runs with --no-index, so every requirement must be met by
what the environment already holds, which is the point of the compatible ranges.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import ROOT


def _tracked_copy(to: Path) -> Path:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, to / name)
    return to


def test_a_non_editable_install_beside_an_existing_torch_leaves_it_alone(tmp_path):
    venv = tmp_path / "student-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    inner = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                capture_output=True, text=True, check=True).stdout.strip())
    # the student's environment already holds torch 2.13.0, numpy, ... (this checkout's, read-only here)
    (inner / "existing.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    before = subprocess.run([str(python), "-c", "import torch; print(torch.__version__, torch.__file__)"],
                            capture_output=True, text=True, check=True).stdout
    source = _tracked_copy(tmp_path / "src")
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-build-isolation",
                           "--no-cache-dir", str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = subprocess.run([str(python), "-c", """
import json, os, autograder, torch
from autograder import check
from autograder.sandbox.far import cells
from autograder.sinks import feedback
from autograder import exercise
import autograder.gradescope
print(json.dumps({"chapter": exercise.SOURCE.is_file(),
                  "gradescope": sorted(os.listdir(os.path.join(os.path.dirname(autograder.gradescope.__file__), "files"))),
                  "autograder": autograder.__file__, "torch": [torch.__version__, torch.__file__],
                  "shims": sorted(os.listdir(cells.SHIMS)),
                  "templates": sorted(os.listdir(os.path.join(os.path.dirname(feedback.__file__), "templates")))}))
"""], capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    found = json.loads(report)
    assert found["autograder"].startswith(str(inner)), "installed, not the checkout"
    assert " ".join(found["torch"]) + "\n" == before, "torch was changed"
    assert found["torch"][0].startswith("2.13.0")
    assert {"IPython", "d2l"} <= set(found["shims"])
    assert found["templates"] == ["dashboard.html.j2", "feedback.html.j2", "feedback.md.j2"]
    assert found["chapter"] and found["gradescope"] == ["run_autograder", "setup.sh"]
    assert not list(inner.glob("torch*")), "a second torch was installed"
