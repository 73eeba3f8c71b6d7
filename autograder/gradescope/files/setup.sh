#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, python3).
# Everything goes into a virtual environment of its own: the system's python3 is never replaced.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="$ROOT/venv"

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# torch's CPU build, from PyTorch's own CPU index: a plain `pip install torch` on Linux brings
# the CUDA build (several GB, and twice the memory at grading time)
"$VENV/bin/python" -m pip install --quiet --index-url https://download.pytorch.org/whl/cpu "torch==@TORCH@"
# the grading environment's exact versions, then the autograder itself (no dependency left to resolve)
"$VENV/bin/python" -m pip install --quiet -r requirements.txt
"$VENV/bin/python" -m pip install --quiet --no-deps ./@WHEEL@
"$VENV/bin/autograder" --version
