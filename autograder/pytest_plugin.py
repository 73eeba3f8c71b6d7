"""`pytest --linreg linreg.py`: each public check of the course becomes a test item, named as in results.json.

Registered under pytest's ``pytest11`` entry point, so installing the package is enough;
without ``--linreg`` or the ini option ``linreg = path/to/linreg.py`` it does nothing.
The file is graded once per session through the real grader (the sandbox, as
`autograder grade` does), with the course.yaml that the commands would find; then each
item reports its check. A failure shows the named mistake, the hint and the repro, never a
traceback. Exit codes are pytest's: 0 all passed, 1 a check failed, 4 a usage error
(a file that does not exist).

JUnit: the plugin makes ``junit_family=xunit1`` the default (a project's own setting wins)
and records each check's ``points`` and ``max_points`` as properties of its testcase,
which xunit1 allows and xunit2 does not. Under GitHub Actions (``$GITHUB_ACTIONS``) it
also prints an ``::error`` annotation per failed check and appends the points to the job
summary (``sinks.github``). Only public checks appear: in a runner the student controls,
the checks are public and advisory.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

FAMILY = "xunit1"


def pytest_addoption(parser):
    group = parser.getgroup("linreg", "linreg autograder")
    group.addoption("--linreg", metavar="PATH", default=None,
                    help="grade this linreg.py or .ipynb: each public check becomes a test")
    parser.addini("linreg", "the linreg.py or .ipynb to grade (relative to the ini file)", default="")


def _target(config) -> Path | None:
    """The file to grade: --linreg (relative to the working folder), else the ini option
    (relative to the ini file)."""
    given = config.getoption("linreg")
    if given:
        return Path(given).absolute()
    value = config.getini("linreg")
    if value:
        base = config.inipath.parent if config.inipath else config.rootpath
        return (base / value).absolute()
    return None


def _set_explicitly(config, name: str) -> bool:
    """Whether the project's ini file or ``-o`` names ``name``."""
    inicfg = getattr(config, "_inicfg", None)       # pytest 9; earlier: the inicfg dict
    if inicfg is None:
        inicfg = getattr(config, "inicfg", {})
    overrides = getattr(config.option, "override_ini", None) or ()
    return name in inicfg or any(o.split("=", 1)[0].strip() == name for o in overrides)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    target = _target(config)
    if target is None:
        return
    if not target.is_file():
        raise pytest.UsageError(f"--linreg: {target}: file not found (expected the student's "
                                "linreg.py or .ipynb)")
    if not _set_explicitly(config, "junit_family"):
        config._inicache["junit_family"] = FAMILY       # before junitxml reads it (it runs after us)
    config.pluginmanager.register(LinregPlugin(config, target), "linreg-autograder")


class LinregPlugin:
    """One session's grading: the checks become items, the file is graded once."""

    def __init__(self, config, target: Path):
        self.config = config
        self.target = target
        self.report = None
        self.error: str | None = None
        self.settings = None
        self.note: str | None = None
        self.launched = None
        if not config.option.collectonly:
            from autograder.grader import start_zygote

            self.launched = start_zygote()   # it imports torch while pytest collects, as `grade` does

    def pytest_unconfigure(self, config):
        if self.launched is not None:
            self.launched.close()
            self.launched = None

    def _settings(self):
        if self.settings is None:
            from autograder import course

            start = Path.cwd()
            found = course.locate(None, start, os.environ)
            self.settings = course.load(found)
            self.note = None if found else course.not_found(start)
        return self.settings

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items):
        from autograder import spec
        from autograder.errors import ConfigError

        try:
            settings = self._settings()
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        public = [c for c in spec.CHECKS.values() if settings.check(c.id).visibility == "public"]
        file = LinregFile.from_parent(session, path=self.target)
        mine = [LinregItem.from_parent(file, name=c.name, check_id=c.id) for c in public]
        items.extend(mine)
        # reported as collected, so that the count and the collection's reporters see them
        file.ihook.pytest_collectreport(report=pytest.CollectReport(file.nodeid, "passed", None, mine))

    def grade(self):
        """The file's Report, graded on first use; an error that stops grading is kept as text."""
        if self.report is None and self.error is None:
            from autograder.errors import ConfigError, WorkerError
            from autograder.grader import start_zygote
            from autograder.inputs.read import load

            launched, self.launched = self.launched or start_zygote(), None
            try:
                from autograder.grader.many import Grader

                with Grader(self._settings(), b"", None, launched) as grader:
                    self.report = grader.grade(load(self.target))
            except (ConfigError, WorkerError) as exc:
                self.error = f"the file could not be graded: {exc}"
            finally:
                launched.close()
        return self.report

    def pytest_report_header(self, config):
        return [f"linreg: grading {self.target} (public checks; advisory: the official grade is the course's)"]

    def pytest_terminal_summary(self, terminalreporter):
        report = self.report
        if report is None:
            return
        from autograder.sinks import github
        from autograder.sinks.safe import terminal

        public = [r for r in report.results if r.visibility == "public"]
        got, total = sum(r.score for r in public), sum(r.max_score for r in public)
        terminalreporter.write_sep("-", f"linreg: {got:g}/{total:g} points from the public checks")
        for note in report.notes:
            terminalreporter.write_line(f"note: {terminal(note, lines=True)}")
        if self.note:
            terminalreporter.write_line(f"linreg: {self.note}")
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github.annotations(report, public_only=True):
                terminalreporter.write_line(line)
            github.append_summary("### Autograder: public checks\n\n"
                                  + github.points_table([report], public_only=True)
                                  + "\nThese checks are public and advisory; the official grade "
                                    "comes from the course.\n")


class LinregFile(pytest.File):
    """The student's file, as the parent of its checks' items (never imported here)."""

    def collect(self):
        return []


class CheckFailed(Exception):
    """A check that did not pass: its message is the named mistake, the hint and the repro."""


class LinregItem(pytest.Item):
    def __init__(self, *, check_id: str, **kwargs):
        super().__init__(**kwargs)
        self.check_id = check_id

    def _plugin(self) -> LinregPlugin:
        return self.config.pluginmanager.get_plugin("linreg-autograder")

    def runtest(self):
        plugin = self._plugin()
        report = plugin.grade()
        if report is None:
            raise CheckFailed(plugin.error)
        result = next(r for r in report.results if r.id == self.check_id)
        if self.config.getini("junit_family") in (FAMILY, "legacy"):
            self.user_properties += [("points", f"{result.score:g}"), ("max_points", f"{result.max_score:g}")]
        if not result.passed:
            from autograder.check import plain_text

            raise CheckFailed(f"{result.name} ({result.score:g}/{result.max_score:g} points)\n\n"
                              + plain_text(result.message))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            from autograder.sinks.safe import terminal

            return terminal(str(excinfo.value), lines=True)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        from autograder.sinks.github import definition_lines

        function = self.check_id.split(".")[0]
        line = definition_lines(str(self.path), "ipynb" if self.path.suffix == ".ipynb" else "py").get(function)
        return self.path, (line - 1 if line else None), self.name
