"""course.yaml -> a frozen, validated Settings; where course.yaml is found; the course secret.

Every error names the file, the key and what was expected, for example
``course.yaml: limits.probe_seconds: expected a number greater than 0, got -1``.
"""
from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from autograder.errors import ConfigError
from autograder.spec import CHECKS


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Frozen):
    probe_seconds: float = Field(2.0, gt=0, le=600)
    training_seconds: float = Field(10.0, gt=0, le=3600)
    cell_seconds: float = Field(5.0, gt=0, le=3600)
    submission_seconds: float = Field(60.0, gt=0, le=36000)
    memory_mb: int = Field(256, ge=16)
    output_kb: int = Field(256, ge=1)
    file_mb: int = Field(50, ge=1)
    scratch_mb: int = Field(100, ge=1)


class CheckSetting(_Frozen):
    points: float = Field(1.0, ge=0)
    visibility: Literal["public", "hidden"] = "public"


class Settings(_Frozen):
    assignment: str = "linreg"
    language: Literal["en", "zh"] = "en"
    seed: int = Field(0, ge=0, lt=2**63)
    secret_file: str | None = None
    limits: Limits = Limits()
    checks: Mapping[str, CheckSetting] = Field(default_factory=dict)
    source: str = Field("<defaults>", exclude=True)

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value):
        for key in value:
            if key not in CHECKS:
                close = difflib.get_close_matches(key, list(CHECKS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"unknown check {key!r}{hint} (known: {', '.join(CHECKS)})")
        return dict(value)

    def check(self, check_id: str) -> CheckSetting:
        """The points and visibility of one check (defaults when course.yaml omits it)."""
        return self.checks.get(check_id, CheckSetting())

    def grading_hash(self) -> str:
        """sha256 of everything that changes what is stored for a grading: points,
        visibility, limits, seed and the language the feedback is written in."""
        data = self.model_dump(mode="json", exclude={"source"})
        data["checks"] = {cid: self.check(cid).model_dump() for cid in CHECKS}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _describe(error: dict) -> str:
    loc = ".".join(str(p) for p in error["loc"]) or "(top level)"
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (expected one of the documented keys)"
    msg = error["msg"]
    msg = msg.removeprefix("Value error, ")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        msg = "expected a number " + msg.removeprefix("Input should be ")
    elif msg.startswith("Input should be "):
        msg = "expected " + msg.removeprefix("Input should be ")
    if kind == "missing":
        return f"{loc}: required key is missing"
    return f"{loc}: {msg}, got {got!r}" if kind != "value_error" else f"{loc}: {msg}"


def parse(data, source: str = "course.yaml") -> Settings:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level, "
                          f"got {type(data).__name__}")
    try:
        return Settings(**data, source=source)
    except ValidationError as exc:
        lines = [f"{source}: {_describe(e)}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


def load(path: str | Path | None) -> Settings:
    """Read course.yaml. ``None`` gives the defaults."""
    if path is None:
        return Settings()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (expected a course.yaml)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        raise ConfigError(f"{path}: not valid YAML{where}: "
                          f"{getattr(exc, 'problem', None) or exc}") from None
    return parse(data, source=str(path))


def read_secret(settings: Settings, base: Path, environ: Mapping[str, str]) -> bytes:
    """The course secret for hidden seeds: $AUTOGRADER_SECRET, else the secret file."""
    if environ.get("AUTOGRADER_SECRET"):
        return environ["AUTOGRADER_SECRET"].encode()
    if settings.secret_file:
        path = base / settings.secret_file
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise ConfigError(f"{settings.source}: secret_file: cannot read {path}: {exc}") from None
    return b""


def default_config() -> Path | None:
    """The command line's course.yaml when --config is not given: ./course.yaml, if any."""
    default = Path("course.yaml")
    return default if default.exists() else None


def find_config(start: Path) -> Path | None:
    """check()'s course.yaml in a notebook: the nearest one in ``start`` or above it."""
    for folder in [start, *start.parents]:
        if (folder / "course.yaml").is_file():
            return folder / "course.yaml"
    return None
