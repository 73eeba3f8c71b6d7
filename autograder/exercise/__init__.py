"""The exercise built from one source (chapter.py): the .py stub and the notebooks in each language.

The source marks cells with ``# %%`` and Markdown cells with ``# %% [markdown]`` (the
"percent" format that Jupyter, VS Code and jupytext read); a marker may end with a
language (``# %% [markdown] zh``), and a cell without one is in every language.
Run ``python -m autograder.exercise`` to write exercises/linreg.py, exercises/linreg.ipynb
and exercises/linreg.zh.ipynb, or ``python -m autograder.exercise SOURCE.py OUT.ipynb``
to build one notebook from a percent-format file.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

LANGUAGES = ("en", "zh")
SOURCE = Path(__file__).with_name("chapter.py")
# what `python -m autograder.exercise` writes, relative to the folder it is given
OUTPUTS = {"linreg.py": ("en", "py"), "linreg.ipynb": ("en", "ipynb"), "linreg.zh.ipynb": ("zh", "ipynb")}
_MARKER = re.compile(r"# %%(?P<md>\s*\[markdown\])?(?:\s+(?P<lang>[a-z]{2}))?\s*$")


def cells_of(source: str, language: str | None = "en") -> list[tuple[str, str]]:
    """The (kind, text) cells of a percent-format source in one language; ``None`` keeps
    every cell whatever its language. The lines before the first marker are the source's
    own comments, not a cell."""
    cells: list[tuple[str, str | None, list[str]]] = []
    for line in source.splitlines():
        marker = _MARKER.match(line)
        if marker:
            cells.append(("markdown" if marker["md"] else "code", marker["lang"], []))
        elif line.startswith("# %%"):
            raise ValueError(f"cell marker not understood: {line!r} (expected '# %%', "
                             "'# %% [markdown]', optionally followed by a language such as 'zh')")
        elif cells:
            cells[-1][2].append(line)
    out = []
    for kind, lang, lines in cells:
        if language is not None and lang not in (None, language):
            continue
        if kind == "markdown":
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        text = "\n".join(lines).strip("\n")
        if text:
            out.append((kind, text))
    return out


def build(source: str, language: str | None = "en") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    if language not in (None, "en"):
        nb.metadata["language"] = language
    for i, (kind, text) in enumerate(cells_of(source, language)):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        cell["id"] = f"cell-{i}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(source: str, language: str | None = "en") -> str:
    """The notebook as its file holds it."""
    return nbformat.writes(build(source, language)) + "\n"


def render_py(source: str, language: str = "en") -> str:
    """The .py stub: the cells of one language in the percent format, Markdown as comments."""
    parts = []
    for kind, text in cells_of(source, language):
        if kind == "markdown":
            body = "\n".join(("# " + ln).rstrip() for ln in text.splitlines())
            parts.append("# %% [markdown]\n" + body)
        else:
            parts.append("# %%\n" + text)
    return "\n\n".join(parts) + "\n"


def outputs(source: str | None = None) -> dict[str, str]:
    """file name -> its text, for every file that the exercise's source makes."""
    source = source if source is not None else SOURCE.read_text(encoding="utf-8")
    return {name: render_py(source, lang) if kind == "py" else render(source, lang)
            for name, (lang, kind) in OUTPUTS.items()}


def main(argv=None) -> int:
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) == 2:
        src, dst = (Path(a) for a in argv)
        dst.write_text(render(src.read_text(encoding="utf-8"), None), encoding="utf-8")
        return 0
    folder = Path(argv[0] if argv else "exercises")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in outputs().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    return 0
