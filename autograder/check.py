"""`check("sgd")` in a student's notebook: the public checks of one function; `grade_cell` in an nbgrader test cell.

It uses the same checks, seeds and messages as `autograder grade`. The
student's functions are probed in forks of the notebook's own process, so a
crash or an endless loop costs a probe, not the kernel. While the autograder
itself runs a notebook, `check()` and `grade_cell()` do nothing.
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "zh")

# Nothing heavy at import time: ``from autograder import check`` runs in every
# graded notebook, where check() does nothing (only a student's kernel warms the
# plots, at the end of this module).


class LocalSession:
    """Probes run in forks of this process (the same groups as in the sandbox). A process
    that has reported all its probes is left to a thread to reap: its exit is not waited for."""

    def __init__(self, ns: dict):
        self.ns = ns

    def probes(self, groups: list[dict], parallel: int = 1) -> dict[str, dict]:
        from autograder.sandbox import protocol
        from autograder.sandbox.far.groups import run_groups

        outcomes: dict[str, dict] = {}

        def keep(frame: bytes):
            outcome = protocol.decode(frame)
            outcome.pop("op", None)
            outcomes[outcome.pop("id")] = outcome

        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = open(os.devnull, "w")    # student prints stay quiet
        try:
            run_groups(self.ns, groups, parallel, keep, wait=False)
        finally:
            sys.stdout.close()
            sys.stdout, sys.stderr = saved
        return outcomes



# ---- nbgrader's test cells -------------------------------------------------------------
# What a generated nbgrader test cell calls: one check, its message on stdout, its points as the cell's value.
#
# nbgrader scores a test cell from its outputs (``nbgrader.utils.determine_grade``):
# an error or anything on stderr is 0, otherwise the cell's last expression, a number
# between 0 and the cell's points, is the score. So ``grade_cell`` writes nothing to
# stderr (warnings included, and what forks write to file descriptor 2), prints our
# verdict and message to stdout and returns the points earned. It runs the same
# checks, seeds and messages as `autograder grade`, in forks of the kernel's process
# (``LocalSession``). Hidden checks get the course-level seed that
# the cell carries (written in by `autograder nbgrader init`); the kernel knows
# neither the course secret nor the student, so per-student seeds come only from
# `autograder grade` and `autograder nbgrader sync`.
#
# While `autograder grade` runs a notebook, ``grade_cell`` does nothing.


class _QuietStderr:
    """sys.stderr and file descriptor 2 go nowhere (forks included): the kernel would send
    either as a stderr stream, which nbgrader scores as 0."""

    def __enter__(self):
        self.saved, self.fd = sys.stderr, None
        sys.stderr = open(os.devnull, "w")
        try:
            self.fd = os.dup(2)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)
        except OSError:
            pass

    def __exit__(self, *exc):
        if self.fd is not None:
            os.dup2(self.fd, 2)
            os.close(self.fd)
        sys.stderr.close()
        sys.stderr = self.saved
        return False


def grade_cell(check_id: str, points: float, seed: int | None = None, namespace: dict | None = None,
               config: str | Path | None = None) -> float | None:
    """Run one check on the notebook's functions; print its verdict; return ``points`` or 0.0.

    ``seed`` is the seed of a hidden check (the cell's course-level seed); without it the
    check runs as a public one with course.yaml's public seed. The settings (limits, language)
    come from ``config``, else $AUTOGRADER_CONFIG (the generated kernel sets it), else the
    nearest course.yaml."""
    if os.environ.get("AUTOGRADER_GRADING"):
        return None
    ns = namespace if namespace is not None else vars(sys.modules["__main__"])
    try:
        with _QuietStderr():
            passed, text = _run(check_id, seed, ns, config)
    except Exception as exc:  # noqa: BLE001 - an error output would be nbgrader's 0 with a traceback
        passed, text = False, (f"{check_id}: the check could not run "
                               f"({type(exc).__name__}: {str(exc)[:300]})\n")
    sys.stdout.write(text)
    sys.stdout.flush()
    return float(points) if passed else 0.0


def _run(check_id: str, seed: int | None, ns: dict, config) -> tuple[bool, str]:
    from autograder import course, spec
    from autograder.course import CheckSetting
    from autograder.grader import one, plan as plan_mod
    from autograder.sandbox.far import runner

    if check_id not in spec.CHECKS:
        raise ValueError(f"unknown check {check_id!r}")
    settings = _load(course.locate(config, Path.cwd(), os.environ))
    visibility = "public" if seed is None else "hidden"
    setting = CheckSetting(points=settings.check(check_id).points, visibility=visibility)
    settings = settings.model_copy(update={"checks": {**settings.checks, check_id: setting}})
    checks = [spec.CHECKS[check_id]]
    seeds = {"public": settings.seed, "hidden": seed if seed is not None else 0}
    plan, wanted = plan_mod.plan_checks(checks, settings, seeds)
    names = runner.inventory(ns)
    observed = one.run_probes(LocalSession(ns), plan, names, settings.limits)
    result = one.results_for(checks, settings, plan, wanted, observed, names, None)[0]
    from autograder.sinks.feedback import shown_message
    message = shown_message(result, settings.language)     # a hidden check: only that it failed
    mark = "✅" if result.passed else "❌"
    text = f"{mark} **{result.name}**" + ("" if result.passed else "\n\n" + message)
    return result.passed, plain_text(text)


class Summary:
    """What check() returns: rich HTML in Jupyter, clean text elsewhere.

    ``hidden`` counts the checks of the same functions that only the grading runs: a
    green tick never claims more than was checked. ``note`` says where the settings
    came from when no course.yaml was found."""

    def __init__(self, units: tuple[str, ...], results: list, hidden: int = 0, note: str | None = None,
                 language: str = "en", curves: dict | None = None):
        self.units, self.results, self.hidden, self.note = units, results, hidden, note
        self.language, self.curves = language, curves

    def plots(self) -> list[tuple[str, str, str]]:
        """The training plots (loss per epoch beside the reference's, the fitted line), as SVG."""
        from autograder.sinks.plots import figures
        return figures(self.curves, self.language, side_by_side=True) if self.curves else []

    @property
    def function(self) -> str:
        return self.units[0] if len(self.units) == 1 else "all"

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def _footer(self) -> list[str]:
        from autograder.grader.render import LABELS
        labels = LABELS[self.language]
        failed = sum(not r.passed for r in self.results)
        n = len(self.results)
        lines = [labels["all_passed"].format(n=n) if not failed else labels["some_failed"].format(n=n, failed=failed)]
        if self.hidden:
            lines.append(labels["more_one"] if self.hidden == 1 else labels["more"].format(n=self.hidden))
        if self.note:
            lines.append(self.note)
        return lines

    def _markdown(self) -> str:
        from autograder import spec
        from autograder.sinks.safe import markdown_text
        parts = []
        for r in self.results:
            mark = "✅" if r.passed else "❌"
            name = spec.title(r.id, self.language) if r.id in spec.CHECKS else r.name
            parts.append(f"{mark} **{markdown_text(name)}**" + ("" if r.passed else "\n\n" + r.message))
        return "\n\n".join(parts + self._footer())

    def _repr_markdown_(self):
        return self._markdown()

    def _repr_html_(self):
        from html import escape

        from markdown_it import MarkdownIt
        figures = "".join(f'<figure class="plot" data-plot="{kind}" aria-label="{escape(alt)}" '
                          f'style="display:inline-block;margin:0 1em 0 0">{svg}'
                          f'<figcaption style="text-align:center">{escape(title)}</figcaption></figure>'
                          for kind, title, alt, svg in self.plots())
        return ('<div class="autograder-check">' + MarkdownIt("commonmark", {"html": False}).render(self._markdown())
                + (f'<div class="plots">{figures}</div>' if figures else "") + "</div>")

    def __repr__(self):
        return plain_text(self._markdown())


def plain_text(markdown: str) -> str:
    """Markdown as a terminal shows it: no ``**`` or backticks, code blocks indented."""
    from markdown_it import MarkdownIt
    lines: list[str] = []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "inline":
            lines.append("".join(child.content if child.type in ("text", "code_inline") else
                                 "\n" if child.type in ("softbreak", "hardbreak") else ""
                                 for child in token.children or []))
        elif token.type in ("fence", "code_block"):
            lines.append("\n".join("    " + line for line in token.content.rstrip("\n").splitlines()))
        elif token.type == "paragraph_close":
            lines.append("")
    return "\n".join(lines).strip() + "\n"


def _load(found: Path | None):
    """course.yaml's settings, read again only when the file changed (a notebook calls
    check() often, and parsing the file is a tenth of a check's time)."""
    from autograder import course
    if found is None:
        return course.load(None)
    try:
        info = os.stat(found)
    except OSError:
        return course.load(found)        # its own clear error
    return _load_file(str(found), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=4)
def _load_file(path: str, mtime_ns: int, size: int):
    from autograder import course
    return course.load(Path(path))


def check(name: str | None = None, namespace: dict | None = None, config: str | Path | None = None,
          language: str | None = None):
    """Run the public checks of one function (or "training"), or of all five and training
    when no name is given, from a notebook.

    The settings come from ``config``, else $AUTOGRADER_CONFIG, else the nearest
    course.yaml at or above the working folder, as for `autograder grade`. ``language``
    ("en" or "zh") overrides the course's for what is shown. While the
    autograder itself runs the notebook this does nothing, so a graded notebook never
    grades itself.
    """
    if os.environ.get("AUTOGRADER_GRADING"):
        return None
    from autograder import course, spec

    if language is not None and language not in LANGUAGES:
        raise ValueError(f"check(language={language!r}): expected one of {', '.join(map(repr, LANGUAGES))}")
    if name is not None and name not in spec.UNITS:
        raise ValueError(f"check({name!r}): expected one of {', '.join(map(repr, spec.UNITS))}, "
                         "or check() for all of them")
    units = spec.UNITS if name is None else (name,)
    from autograder.grader import one, plan as plan_mod
    from autograder.sandbox.far import runner

    ns = namespace if namespace is not None else vars(sys.modules["__main__"])
    found = course.locate(config, Path.cwd(), os.environ)
    settings = _load(found)
    if language is not None:
        settings = settings.model_copy(update={"language": language})
    mine = [c for c in spec.CHECKS.values() if c.function in units]
    checks = [c for c in mine if settings.check(c.id).visibility == "public"]
    plan, wanted = plan_mod.plan_checks(checks, settings, {"public": settings.seed})
    names = runner.inventory(ns)
    # with a core to spare, training runs in a fork beside the five functions' probes, as
    # the grader does; the verdicts are the same either way
    parallel = 2 if "training" in units and (os.cpu_count() or 1) > 1 else 1
    observed = one.run_probes(LocalSession(ns), plan, names, settings.limits, parallel)
    results = one.results_for(checks, settings, plan, wanted, observed, names, None)
    curves = one.training_curves(settings, plan, wanted, observed) if "training" in units else None
    return Summary(units, results, hidden=len(mine) - len(checks),
                   note=None if found else course.not_found(Path.cwd()), language=settings.language,
                   curves=curves)


def _warm_plots(language: str | None = None) -> None:
    """In a student's Jupyter kernel, import what training's plots need (matplotlib's SVG
    drawing, about 0.3 s) and build the figures of the course's language (or ``language``)
    with ``from autograder import check``, whose cell imports torch anyway, rather than in
    the first check("training"). Nothing happens while grading or outside a kernel, so
    commands and graded notebooks start as fast as before."""
    if os.environ.get("AUTOGRADER_GRADING") or os.environ.get("AUTOGRADER_NO_PLOTS") or \
            "ipykernel" not in sys.modules:
        return
    try:
        import gc

        from autograder.sinks import plots
        if language is None:
            try:
                from autograder import course
                language = _load(course.locate(None, Path.cwd(), os.environ)).language
            except Exception:  # noqa: BLE001 - check() itself will say what is wrong with the file
                language = "en"
        plots.warm(language)
        # what the kernel has imported so far (torch, matplotlib: some 200,000 objects) lives
        # as long as the kernel: out of the collector's full passes, which otherwise take a
        # check() from 0.15 s to 0.45 s now and then
        gc.freeze()
    except Exception:  # noqa: BLE001 - a plot is never worth a failed import
        pass


_warm_plots()
