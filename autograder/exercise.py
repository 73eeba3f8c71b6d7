"""Build exercises/linreg.ipynb from exercises/linreg.py (one source for both).

The .py file marks cells with ``# %%`` and Markdown cells with ``# %% [markdown]``
(the "percent" format that Jupyter, VS Code and jupytext read).
Run: python -m autograder.exercise exercises/linreg.py exercises/linreg.ipynb
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def cells_of(source: str) -> list[tuple[str, str]]:
    cells: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        text = "\n".join(lines).strip("\n")
        if text:
            out.append((kind, text))
    return out


def build(source: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(cells_of(source)):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        cell["id"] = f"cell-{i}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(source: str) -> str:
    return nbformat.writes(build(source)) + "\n"


def main(argv=None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    src, dst = (Path(a) for a in argv)
    dst.write_text(render(src.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
