"""`autograder gradescope build`: the zip that Gradescope's "Configure Autograder" page takes.

The zip holds, at its root: setup.sh (a virtual environment of its own, torch's CPU
wheel from PyTorch's CPU index, the exact versions, our wheel), run_autograder (calls
`autograder gradescope run`), our wheel, requirements.txt (the exact versions of the
package's direct dependencies as this environment has them; the grading environment's
pins), course.yaml, and the course secret as ``course-secret`` when there is one.
"""
from __future__ import annotations

import importlib.metadata as metadata
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.errors import OutputError, UsageError

FILES = Path(__file__).parent / "files"
DISTRIBUTION = "linreg-autograder"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
SECRET_NAME = "course-secret"


def _name(requirement: str) -> tuple[str, str]:
    """(name, marker) of a requirement string such as ``'numpy<3,>=1.24; extra == "x"'``."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
    return name, requirement.partition(";")[2].strip()


GRADESCOPE_PYTHON = "3.10"      # Ubuntu 22.04's python3, on Gradescope's default image


def _runs_on(name: str, python: str) -> bool:
    """Whether the installed version of ``name`` declares that it runs on ``python``."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    declared = metadata.metadata(name).get("Requires-Python")
    try:
        return not declared or SpecifierSet(declared).contains(python)
    except InvalidSpecifier:
        return True


def pins() -> dict[str, str]:
    """name -> the exact version installed here, for each direct dependency of the package
    (a local label such as ``+cpu`` dropped: the index decides the build). Each must run
    on Gradescope's Python."""
    found = {}
    for requirement in metadata.requires(DISTRIBUTION) or []:
        name, marker = _name(requirement)
        if "extra" in marker:
            continue
        try:
            found[name] = metadata.version(name).split("+")[0]
        except metadata.PackageNotFoundError:
            raise UsageError(f"{name}: a dependency of {DISTRIBUTION} is not installed here, so its "
                             "version cannot be pinned (expected `make venv` first)") from None
    newer = [f"{name}=={version} (Requires-Python {metadata.metadata(name).get('Requires-Python')})"
             for name, version in found.items() if not _runs_on(name, GRADESCOPE_PYTHON)]
    if newer:
        raise UsageError(f"gradescope build: these pins do not install on Gradescope's Python "
                         f"{GRADESCOPE_PYTHON}: {', '.join(newer)}; pin versions that do (constraints.txt)")
    return found


def project_root() -> Path | None:
    """The checkout the package runs from (pyproject.toml beside autograder/), if any."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def build_wheel(into: Path) -> Path:
    """Our wheel, built from the checkout without any download."""
    root = project_root()
    if root is None:
        raise UsageError("gradescope build: the package is not running from its source folder "
                         "(no pyproject.toml beside autograder/); give a wheel with --wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "--no-build-isolation", "--no-index", "--wheel-dir", str(into), str(root)],
                          capture_output=True, text=True)
    wheels = sorted(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise UsageError(f"gradescope build: pip could not build the wheel of {root}: " + " / ".join(tail))
    return wheels[0]


def build(out: Path, config: Path | None, secret: bytes, wheel: Path | None = None) -> list[str]:
    """Write the zip; returns the names it holds."""
    pinned = pins()
    torch = pinned.pop("torch")
    with tempfile.TemporaryDirectory() as tmp:
        if wheel is None:
            wheel = build_wheel(Path(tmp))
        elif not wheel.is_file() or wheel.suffix != ".whl":
            raise UsageError(f"{wheel}: --wheel: expected a .whl file")
        setup = (FILES / "setup.sh").read_text().replace("@TORCH@", torch).replace("@WHEEL@", wheel.name)
        requirements = "".join(f"{name}=={version}\n" for name, version in sorted(pinned.items()))
        course = config.read_bytes() if config is not None else b"# the built-in defaults\n"
        entries = {"setup.sh": (setup.encode(), 0o755),
                   "run_autograder": ((FILES / "run_autograder").read_bytes(), 0o755),
                   "requirements.txt": (requirements.encode(), 0o644),
                   "course.yaml": (course, 0o644),
                   wheel.name: (wheel.read_bytes(), 0o644)}
        if secret:
            entries[SECRET_NAME] = (secret + b"\n", 0o600)
        part = out.with_name(f".{out.name}.tmp")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
                for name, (data, mode) in entries.items():
                    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                    info.external_attr = (0o100000 | mode) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, data)
            shutil.move(part, out)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise OutputError(f"{out}: could not be written: {exc.strerror or exc}") from None
    return list(entries)
