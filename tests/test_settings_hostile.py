"""course.yaml written to hurt the grader: it fails fast, with a short message that names
the file, the key and what was expected, and never yields a setting out of range."""
import os
import subprocess
import sys
import time

import pytest

from autograder import course as s
from autograder.errors import ConfigError
from tests.conftest import ROOT

EXIT_CONFIG = 2       # cli.EXIT_USAGE: a ConfigError ends the command with it


def write(tmp_path, text, name="course.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def assert_refused_with(tmp_path, text: str, expected: str) -> None:
    """course.yaml holding ``text`` is refused with exactly ``expected``, after its path."""
    path = write(tmp_path, text)
    message, _ = refused(path)
    assert message == f"{path}: {expected}"


def alias_bomb(levels=9, width=9) -> str:
    """The "billion laughs": each anchor is a list of ``width`` aliases of the one before."""
    lines = ['a0: &a0 [' + ", ".join(['"lol"'] * width) + ']']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def refused(path) -> tuple[str, float]:
    """load(path) must raise exactly ConfigError; its message and the seconds it took."""
    start = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        s.load(path)
    elapsed = time.perf_counter() - start
    assert type(err.value) is ConfigError
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    return message, elapsed


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    path = write(tmp_path, alias_bomb())
    message, elapsed = refused(path)
    assert elapsed < 0.5
    assert len(message) < 500 and "\n" not in message
    assert message == (f"{path}: a1.0: a YAML alias (*a0) at line 2, column 10: aliases are "
                       f"not allowed in course.yaml (expected the value written out in full)")


@pytest.mark.parametrize("text, key, line, column", [
    ("limits: &l {probe_seconds: 1}\ncopy: *l\n", "copy", 2, 7),
    ("limits: &l {probe_seconds: 1}\nchecks:\n  sgd.update: {<<: *l}\n", "checks.sgd.update.<<", 3, 20),
    ("seed: &s 3\n*s : 1\n", "(a key)", 2, 1),
])
def test_every_alias_is_refused_with_its_key_and_place(tmp_path, text, key, line, column):
    path = write(tmp_path, text)
    message, _ = refused(path)
    assert message.startswith(f"{path}: {key}: a YAML alias (*")
    assert f"at line {line}, column {column}: aliases are not allowed in course.yaml" in message


def test_deep_nesting_is_refused_without_recursing(tmp_path):
    path = write(tmp_path, "checks: " + "[" * 50_000 + "]" * 50_000 + "\n")
    message, elapsed = refused(path)
    assert elapsed < 1
    assert "nested too deeply" in message and "expected at most 16 levels" in message
    assert len(message) < 300


@pytest.mark.parametrize("text, expected", [
    ("checks: {sgd.update: {points: .inf}}",
     "checks.sgd.update.points: expected a finite number, got inf"),
    ("checks: {sgd.update: {points: -.inf}}",
     "checks.sgd.update.points: expected a finite number, got -inf"),
    ("checks: {sgd.update: {points: 1e400}}",
     "checks.sgd.update.points: expected a finite number, got inf"),
    ("limits: {probe_seconds: .nan}",
     "limits.probe_seconds: expected a finite number, got nan"),
    ("limits: {training_seconds: .inf}",
     "limits.training_seconds: expected a finite number, got inf"),
])
def test_numbers_are_finite(tmp_path, text, expected):
    assert_refused_with(tmp_path, text, expected)


@pytest.mark.parametrize("text, expected", [
    ("seed: true",
     "seed: expected a valid integer (true and false are not numbers), got True"),
    ("seed: '7'",
     "seed: expected a valid integer (got a string; write numbers without quotes), got '7'"),
    ("seed: 1.5", "seed: expected a valid integer, got 1.5"),
    ('checks: {sgd.update: {points: "2"}}',
     "checks.sgd.update.points: expected a valid number "
     "(got a string; write numbers without quotes), got '2'"),
    ("checks: {sgd.update: {points: yes}}",
     "checks.sgd.update.points: expected a valid number (true and false are not numbers), got True"),
    ("limits: {memory_mb: false}",
     "limits.memory_mb: expected a valid integer (true and false are not numbers), got False"),
    ("limits: {probe_seconds: '2'}",
     "limits.probe_seconds: expected a valid number "
     "(got a string; write numbers without quotes), got '2'"),
])
def test_a_bool_or_a_string_is_not_a_number(tmp_path, text, expected):
    assert_refused_with(tmp_path, text, expected)


def test_whole_numbers_stay_valid_where_a_number_is_expected(tmp_path):
    settings = s.load(write(tmp_path, "seed: 3\nlimits: {probe_seconds: 2, memory_mb: 64}\n"
                                      "checks: {sgd.update: {points: 2}, sgd.in_place: {points: 1e1}}\n"))
    assert settings.limits.probe_seconds == 2.0 and type(settings.limits.probe_seconds) is float
    assert settings.check("sgd.update").points == 2.0
    assert settings.check("sgd.in_place").points == 10.0
    assert settings.seed == 3 and settings.limits.memory_mb == 64


@pytest.mark.parametrize("text, expected", [
    ("seed: 0x" + "f" * 200_000,
     "seed: expected a number less than 9223372036854775808, "
     "got an integer of 200000 hexadecimal digits"),
    ("limits: {memory_mb: 99999999999999999999}",
     "limits.memory_mb: expected a number less than or equal to 1048576, got 99999999999999999999"),
    ("checks: {sgd.update: {points: 1.0e+300}}",
     "checks.sgd.update.points: expected a number less than or equal to 1000000, got 1e+300"),
])
def test_numbers_stay_in_range_and_are_quoted_briefly(tmp_path, text, expected):
    assert_refused_with(tmp_path, text, expected)


def test_a_number_python_cannot_read_is_a_config_error(tmp_path):
    path = write(tmp_path, "seed: " + "9" * 10_000)
    message, _ = refused(path)
    assert message.startswith(f"{path}: the value at line 1, column 7 cannot be read (")
    assert len(message) < 300


@pytest.mark.parametrize("key", ["assignment", "language", "secret_file", "limits", "seed"])
def test_a_megabyte_value_is_not_echoed(tmp_path, key):
    path = write(tmp_path, f"{key}: " + "x" * 1_000_000 + "\n")
    message, elapsed = refused(path)
    assert message.startswith(f"{path}: {key}: expected ")
    assert len(message) < 300 and "\n" not in message
    assert "x" * 81 not in message
    assert elapsed < 5


def test_a_megabyte_key_is_not_echoed(tmp_path):
    path = write(tmp_path, "checks:\n  ? " + "k" * 1_000_000 + "\n  : {points: 1}\n")  # explicit key
    message, _ = refused(path)
    assert message.startswith(f"{path}: checks: unknown check 'kkk")
    assert "k" * 81 not in message and "(known: synthetic_data.returns, " in message
    assert len(message) < len(str(path)) + 500      # the list of known checks is most of it


def test_many_problems_are_counted_not_listed(tmp_path):
    path = write(tmp_path, "".join(f"key{i}: 1\n" for i in range(10_000)))
    message, _ = refused(path)
    lines = message.splitlines()
    assert lines[0] == f"{path}: key0: unknown key (expected one of the documented keys)"
    assert len(lines) == 6 and lines[-1] == f"{path}: ... and 9995 more problems"


def test_a_huge_file_is_not_read_whole(tmp_path):
    path = tmp_path / "course.yaml"
    path.write_bytes(b"# " + b"x" * (3 << 20) + b"\n")
    message, _ = refused(path)
    assert message == f"{path}: too large (expected a course.yaml of at most 1024 KB)"


@pytest.mark.parametrize("text, expected", [
    ("seed: 1\x00\n", "not valid YAML at line 1, column 8: unacceptable character #x0000"),
    ("seed: !!python/object/apply:os.system [echo hi]\n", "not valid YAML at line 1, column 7: "
     "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("seed: !" + "t" * 100_000 + " 1\n", "not valid YAML at line 1, column 7: "
     "could not determine a constructor for the tag '!ttt"),
    ("seed: 2001-02-30\n", "the value at line 1, column 7 cannot be read (day is out of range for month)"),
    ("seed: 1\n---\nseed: 2\n", "not valid YAML at line 2, column 1: but found another document"),
])
def test_yaml_the_loader_cannot_build_is_a_short_config_error(tmp_path, text, expected):
    path = write(tmp_path, text)
    message, _ = refused(path)
    assert message.startswith(f"{path}: {expected}")
    assert len(message) < 250 and "\n" not in message


@pytest.mark.parametrize("data, expected", [
    ({1: 2}, "course.yaml: 1: expected keys that are strings, got 1"),
    ({"source": "elsewhere"}, "course.yaml: source: unknown key (expected one of the documented keys)"),
])
def test_parse_refuses_keys_that_are_not_settings(data, expected):
    with pytest.raises(ConfigError) as err:
        s.parse(data)
    assert type(err.value) is ConfigError and str(err.value) == expected


def test_the_shipped_course_yaml_still_loads():
    settings = s.load(ROOT / "course.yaml")
    assert settings.limits.probe_seconds == 2.0 and settings.check("training.converges").points == 3.0


def test_the_command_line_exits_with_the_config_code_and_a_short_message(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "one.py").write_text("x = 1\n")
    bad = write(tmp_path, alias_bomb(), name="bad.yaml")
    autograder = os.path.join(os.path.dirname(sys.executable), "autograder")
    env = dict(os.environ, AUTOGRADER_SECRET="hostile-test")
    start = time.perf_counter()
    proc = subprocess.run([autograder, "grade", str(subs), "--config", str(bad),
                           "--out", str(tmp_path / "out"), "--gradebook", str(tmp_path / "g.db")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    assert proc.returncode == EXIT_CONFIG, proc.stderr[:500]
    assert proc.stderr.startswith(f"autograder: {bad}: a1.0: a YAML alias (*a0) at line 2, column 10: "
                                  f"aliases are not allowed in course.yaml")
    assert len(proc.stderr) < 500
    assert not (tmp_path / "out").exists()
    assert elapsed < 30
