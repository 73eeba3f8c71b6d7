"""The README documents every command, option and check; the CI workflow's commands are valid."""
import re
import shlex

import yaml

from autograder.spec import CHECKS
from autograder.cli import _parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subparsers():
    parser = _parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_readme_starts_with_the_two_commands():
    setup = README.split("## ")[1]
    assert "make demo" in setup and "make test" in setup


def test_every_command_and_option_is_in_the_readme():
    for name, sub in _subparsers().items():
        assert f"autograder {name}" in README or f"`{name}`" in README, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, f"{name} {flag} is not documented in README.md"


def test_every_check_is_in_course_yaml_and_its_function_in_the_readme():
    course = (ROOT / "course.yaml").read_text()
    for check_id, check in CHECKS.items():
        assert check_id in course
        assert f"| {check.function} |" in README


def test_the_shard_workflow_runs_valid_commands():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "grade-shards.yml").read_text())
    matrix = workflow["jobs"]["grade"]["strategy"]["matrix"]["shard"]
    assert matrix == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    commands = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    used = set()
    for command in commands:
        for match in re.finditer(r"autograder ((?:\S+ ?)+)", command.replace("\n", " ")):
            words = shlex.split(match.group(1).replace("${{ matrix.shard }}", "1").replace("$SHARDS", "4")
                                .replace('"$SUBMISSIONS"', "submissions"))
            args = _parser().parse_args(words)
            used.add(args.command)
    assert {"grade", "merge", "export", "report"} <= used


def test_the_built_in_defaults_are_the_shipped_course_yamls():
    """A course.yaml that is missing (or silent on a check) gives the shipped points and
    visibility: never a hidden check made public, never other points."""
    from autograder import course
    from autograder.course.settings import DEFAULT_CHECKS
    shipped = course.load(ROOT / "course.yaml")
    assert {cid: shipped.checks[cid] for cid in CHECKS} == DEFAULT_CHECKS
    assert sum(s.points for s in DEFAULT_CHECKS.values()) == 23
    assert [cid for cid, s in shipped.checks.items() if s.visibility == "hidden"] == ["data_iter.fresh_order"]


def test_every_option_of_the_nbgrader_commands_is_in_the_readme():
    nbgrader = _subparsers()["nbgrader"]
    action = next(a for a in nbgrader._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(action.choices) == {"init", "sync"}
    for name, sub in action.choices.items():
        assert f"autograder nbgrader {name}" in README, name
        for option in sub._actions:
            for flag in option.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README.split("## nbgrader")[1], f"nbgrader {name} {flag} is not documented"


def test_our_default_files_never_take_nbgrader_names():
    from autograder.store.gradebook import DEFAULT
    args = _parser().parse_args(["export", "csv"])
    assert (args.gradebook, args.out, DEFAULT) == ("autograder.db", "autograder-grades.csv", "autograder.db")
    assert _parser().parse_args(["grade", "x.py"]).gradebook == "autograder.db"
    assert "autograder.db" in README and "autograder-grades.csv" in README
