"""Run a submission's cells the way a Jupyter kernel would, without a kernel.

Line magics (``%...``) and shell lines (``!...``) are dropped line by line;
``%%time`` and ``%%capture`` run their body; a cell with any other cell magic
is skipped. ``get_ipython()`` and ``display()`` exist and do nothing, and so do
``import IPython`` and ``import d2l`` (the stand-ins in ``shims/``, first on sys.path).
"""
from __future__ import annotations

import __future__
import ast
import builtins
import linecache
import re
import sys
import traceback
import types
from pathlib import Path

# IPython and the book's d2l as the sandbox offers them: put first on sys.path by the zygote
SHIMS = Path(__file__).parent / "shims"

_RUN_BODY_MAGICS = {"time", "capture", "timeit"}
_MAGIC_LINE = re.compile(r"^\s*[%!]")
_ASSIGNED_SHELL = re.compile(r"^\s*[\w.,\s]+=\s*[%!]")


def transform(source: str) -> tuple[str | None, str | None]:
    """Return (python source, note). The source is None when the cell is skipped."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(None, 1)[0] if lines[0].strip() != "%%" else ""
        if magic not in _RUN_BODY_MAGICS:
            return None, f"skipped: the cell magic %%{magic} does not run while grading"
        lines = lines[1:]
    kept = []
    for line in lines:
        if _MAGIC_LINE.match(line) or _ASSIGNED_SHELL.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + "pass")   # keeps blocks such as `if x:\n    !ls` valid
        else:
            kept.append(line)
    return "\n".join(kept) + "\n", None


PROVIDED = ("get_ipython", "display")   # names the executor puts in every namespace


def make_namespace(module_name: str, file: str | None = None) -> dict:
    """The submission's globals: a module named ``module_name`` ("__main__" for a
    notebook, as in a kernel), with ``__file__`` for a .py."""
    from IPython import get_ipython
    from IPython.display import display

    module = types.ModuleType(module_name)
    ns = module.__dict__
    ns.update({"__builtins__": builtins, "get_ipython": get_ipython, "display": display})
    if file is not None:
        ns["__file__"] = file
    sys.modules[module_name] = module
    return ns


def _literal(node) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def is_declarative(source: str) -> bool:
    """True for a cell that only imports installed modules and defines plain functions.

    Such a cell runs no student code (a def only binds a name; its body runs when a
    probe calls it), so it cannot hang or crash, and it is run without a checkpoint.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and node.level:
                return False
            continue
        if isinstance(node, ast.FunctionDef) and not node.decorator_list and \
                all(_literal(d) for d in node.args.defaults + node.args.kw_defaults if d is not None) \
                and node.returns is None and not any(a.annotation for a in ast.walk(node.args)
                                                     if isinstance(a, ast.arg)):
            continue
        if isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue   # (a dropped magic line leaves a `pass`)
        return False
    return True


def run_statements(source: str, filename: str, ns: dict, skip: set[int] = frozenset(),
                   progress=None) -> list[dict]:
    """Run a cell's top-level statements in turn in ``ns``; returns the ones that raised.

    A deliberate departure from Python and from Jupyter, which stop a cell at its first
    error: a statement that raises is recorded with its line, and the next one runs,
    so that one bad import or a stray call late in a file costs only itself (partial
    credit, as an instructor reading the file would give). Statements in ``skip`` (ones
    that hung before) do not run. ``progress.at(i)`` is told which statement runs, so
    that the process watching this one can stop a hang at its own statement. A cell
    that does not parse raises its SyntaxError, as a whole.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    tree = ast.parse(source, filename)
    flags = 0
    failed = []
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                flags |= feature.compiler_flag if feature is not None else 0
        if index in skip:
            continue
        if progress is not None:
            progress.at(index)
        try:
            code = compile(ast.Module([node], type_ignores=[]), filename, "exec", flags=flags,
                           dont_inherit=True)
            exec(code, ns)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            failed.append({**statement(source, node, index), "error": describe_exception(exc)})
    return failed


def statement(source: str, node: ast.stmt, index: int) -> dict:
    """Where a top-level statement is, for a note: its index, line and first line of code."""
    lines = source.splitlines()
    code = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
    return {"statement": index, "line": node.lineno, "code": code[:200]}


def statement_at(source: str, index: int) -> dict | None:
    """``statement()`` of the index-th top-level statement of a cell."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return statement(source, body[index], index) if 0 <= index < len(body) else None


def describe_exception(exc: BaseException, student_files: tuple[str, ...] = ("<cell", "submission")) -> dict:
    """What went wrong, and where in the student's code."""
    where = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(student_files):
            where = {"file": frame.filename, "line": frame.lineno, "code": (frame.line or "").strip()}
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.startswith(student_files):
        where = {"file": exc.filename, "line": exc.lineno, "code": (exc.text or "").strip()}
    message = str(exc)
    if isinstance(exc, SystemExit):
        message = f"sys.exit({exc.code!r})" if exc.code is not None else "sys.exit()"
    return {"type": type(exc).__name__, "message": message[:2000], "where": where}
