import pytest

from autograder import course as s
from autograder.spec import CHECKS
from tests.conftest import ROOT


def write(tmp_path, text):
    p = tmp_path / "course.yaml"
    p.write_text(text)
    return p


def test_the_course_yaml_lists_every_check_and_loads():
    settings = s.load(ROOT / "course.yaml")
    assert set(settings.checks) == set(CHECKS)
    assert settings.limits.probe_seconds > 0


def test_settings_are_frozen():
    settings = s.load(ROOT / "course.yaml")
    with pytest.raises(Exception):
        settings.seed = 3


@pytest.mark.parametrize("text, expected", [
    ("limits: {probe_seconds: -1}", "course.yaml: limits.probe_seconds: expected"),
    ("language: fr", "course.yaml: language: expected 'en' or 'zh', got 'fr'"),
    ("colour: blue", "course.yaml: colour: unknown key"),
    ("limits: {probe_secs: 3}", "course.yaml: limits.probe_secs: unknown key"),
    ("checks: {sgd.zero_grads: {points: 1}}", "did you mean 'sgd.zero_grad'?"),
    ("checks: {sgd.zero_grad: {points: many}}", "checks.sgd.zero_grad.points: expected a valid number"),
    ("checks: {sgd.zero_grad: {visibility: secret}}", "expected 'public' or 'hidden', got 'secret'"),
    ("seed: [1, 2]", "course.yaml: seed: expected a valid integer"),
    ("sandbox: docker", "course.yaml: sandbox: expected 'auto', 'root', 'userns' or 'container', got 'docker'"),
    ("- a\n- b", "expected a mapping of settings at the top level"),
    ("limits: {probe_seconds: 5\n", "course.yaml: not valid YAML at line"),
])
def test_errors_name_the_file_the_key_and_what_was_expected(tmp_path, text, expected):
    with pytest.raises(s.ConfigError) as err:
        s.load(write(tmp_path, text))
    assert expected in str(err.value)
    assert str(tmp_path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(s.ConfigError, match="file not found"):
        s.load(tmp_path / "nope.yaml")


def test_omitted_checks_get_the_shipped_points_and_visibility(tmp_path):
    settings = s.load(write(tmp_path, "seed: 3"))
    assert settings.check("sgd.update").points == 2
    assert settings.check("sgd.update").visibility == "public"
    assert settings.check("data_iter.fresh_order").visibility == "hidden"   # never shown by omission


def test_grading_hash_changes_with_points_and_language_not_with_the_source(tmp_path):
    a = s.load(write(tmp_path, "language: en"))
    same = s.parse({"language": "en"}, source="elsewhere.yaml")
    b = s.parse({"language": "zh"})
    c = s.parse({"checks": {"sgd.update": {"points": 5}}})
    assert a.grading_hash() == same.grading_hash()
    assert len({a.grading_hash(), b.grading_hash(), c.grading_hash()}) == 3
    # where a submission ran changes no grade: a course that moves to Gradescope keeps its gradebook
    assert s.parse({"language": "en", "sandbox": "container"}).grading_hash() == a.grading_hash()
    assert s.parse({"sandbox": "container"}).sandbox == "container" and a.sandbox == "auto"


def test_secret_from_environment_then_file(tmp_path):
    settings = s.parse({"secret_file": "secret.txt"})
    assert s.read_secret(settings, tmp_path, {}) == b""
    (tmp_path / "secret.txt").write_text("abc\n")
    assert s.read_secret(settings, tmp_path, {}) == b"abc"
    assert s.read_secret(settings, tmp_path, {"AUTOGRADER_SECRET": "env"}) == b"env"
