"""What a submission may see of the grader: an allowlisted environment, and the paths hidden from it.

Torch-free and shared by both sides: the near side starts the zygote with this
environment, and the far side rebuilds it in each submission's scratch directory.
"""
from __future__ import annotations

from pathlib import Path

ENV_ALLOW_EXACT = ("PATH", "LANG")
ENV_ALLOW_PREFIX = ("LC_", "OPENBLAS_", "OMP_", "MKL_")


def child_environment(environ, home: str) -> dict[str, str]:
    """The student's environment: an allowlist, never a denylist."""
    env = {k: v for k, v in environ.items()
           if k in ENV_ALLOW_EXACT or k.startswith(ENV_ALLOW_PREFIX)}
    env.update({"HOME": home, "TMPDIR": home, "MPLBACKEND": "Agg",
                "AUTOGRADER_GRADING": "1", "PYTHONHASHSEED": "0"})
    return env


def hidden_paths(config: Path | None, settings, out_dir: Path | None) -> list[str]:
    """What the child must not read: the course's files, its secret, the grader's output."""
    paths = []
    if config is not None:
        base = config.resolve().parent
        paths.append(config.resolve())
        if settings.secret_file:
            paths.append(base / settings.secret_file)
        paths += [base / "solutions", base / "tests", base / "samples", base / ".git",
                  base / ".autograder-secret"]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths.append(out_dir.resolve())
    return [str(p) for p in dict.fromkeys(paths)]
