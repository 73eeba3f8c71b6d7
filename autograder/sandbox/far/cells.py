"""Run a submission's cells the way a Jupyter kernel would, without a kernel.

Line magics (``%...``) and shell lines (``!...``) are dropped line by line;
``%%time`` and ``%%capture`` run their body; a cell with any other cell magic
is skipped. ``get_ipython()`` and ``display()`` exist and do nothing.
"""
from __future__ import annotations

import ast
import builtins
import linecache
import re
import sys
import traceback
import types

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


class _Shell:
    """Enough of IPython's InteractiveShell for notebooks that call get_ipython()."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


PROVIDED = ("get_ipython", "display")   # names the executor puts in every namespace


def make_namespace(module_name: str) -> dict:
    shell = _Shell()
    module = types.ModuleType(module_name)
    ns = module.__dict__
    ns.update({
        "__builtins__": builtins,
        "get_ipython": lambda: shell,
        "display": lambda *args, **kwargs: None,
    })
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


def run_source(source: str, filename: str, ns: dict) -> None:
    """Compile and run one cell's source in ``ns``; exceptions propagate."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, ns)


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
