"""What a submission may see of the grader's environment: an allowlist.

Torch-free and shared by both sides: the near side starts the zygote with this
environment, and the far side rebuilds it in each submission's scratch directory.
"""
from __future__ import annotations

ENV_ALLOW_EXACT = ("PATH", "LANG")
ENV_ALLOW_PREFIX = ("LC_", "OPENBLAS_", "OMP_", "MKL_")


def child_environment(environ, home: str) -> dict[str, str]:
    """The student's environment: an allowlist, never a denylist."""
    env = {k: v for k, v in environ.items()
           if k in ENV_ALLOW_EXACT or k.startswith(ENV_ALLOW_PREFIX)}
    env.update({"HOME": home, "TMPDIR": home, "MPLBACKEND": "Agg",
                "AUTOGRADER_GRADING": "1", "PYTHONHASHSEED": "0"})
    return env
