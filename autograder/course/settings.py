"""course.yaml -> a frozen, validated Settings; where course.yaml is found; the course secret.

Every error names the file, the key and what was expected, for example
``course.yaml: limits.probe_seconds: expected a number greater than 0, got -1``.

course.yaml is read defensively: at most ``MAX_BYTES`` of it, no YAML aliases (an
"alias bomb" of a few hundred bytes expands to billions of values), at most
``MAX_DEPTH`` levels of nesting, and every number finite and of the declared type
(``true`` is not an integer, ``"2"`` is not a number). An error message quotes at most
one short line of the input, however large the offending value.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import re
import reprlib
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from autograder.errors import ConfigError
from autograder.spec import CHECKS

MAX_BYTES = 1 << 20      # course.yaml is a few kilobytes
MAX_DEPTH = 16           # course.yaml nests three levels (checks -> id -> points)
MAX_QUOTE = 80           # characters of the input that an error message quotes
MAX_ERRORS = 5           # problems listed in one message; the rest are counted
_LARGEST = 1 << 20       # the largest size limit in MB or KB (a terabyte / a gigabyte)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Limits(_Frozen):
    probe_seconds: float = Field(2.0, gt=0, le=600, strict=True)
    training_seconds: float = Field(10.0, gt=0, le=3600, strict=True)
    cell_seconds: float = Field(5.0, gt=0, le=3600, strict=True)
    submission_seconds: float = Field(60.0, gt=0, le=36000, strict=True)
    memory_mb: int = Field(256, ge=16, le=_LARGEST, strict=True)
    output_kb: int = Field(256, ge=1, le=_LARGEST, strict=True)
    file_mb: int = Field(50, ge=1, le=_LARGEST, strict=True)
    scratch_mb: int = Field(100, ge=1, le=_LARGEST, strict=True)


class CheckSetting(_Frozen):
    points: float = Field(1.0, ge=0, le=1_000_000, strict=True)
    visibility: Literal["public", "hidden"] = "public"


# A check's points and visibility when course.yaml does not set them: the shipped
# course.yaml's (tests/test_docs.py holds the two together), so that a course.yaml
# that is missing, or names only some checks, never makes a hidden check public.
_TWO = ("synthetic_data.labels", "linreg.value", "squared_loss.elementwise", "sgd.update")
DEFAULT_CHECKS = {cid: CheckSetting(points=3.0 if cid == "training.converges" else 2.0 if cid in _TWO else 1.0,
                                    visibility="hidden" if cid == "data_iter.fresh_order" else "public")
                  for cid in CHECKS}


class Settings(_Frozen):
    assignment: str = Field("linreg", max_length=200)
    language: Literal["en", "zh"] = "en"
    seed: int = Field(0, ge=0, lt=2**63, strict=True)
    secret_file: str | None = Field(None, max_length=4096)
    limits: Limits = Limits()
    checks: Mapping[str, CheckSetting] = Field(default_factory=dict)
    due: datetime | None = None     # ISO 8601 with a timezone; a later timestamp.txt is late
    # which sandbox grades: auto (root mode, else userns mode) or one of them by name;
    # container mode (no namespaces: Docker, Gradescope) is used only when named
    sandbox: Literal["auto", "root", "userns", "container"] = "auto"
    source: str = Field("<defaults>", exclude=True)

    @field_validator("due", mode="before")
    @classmethod
    def _due(cls, value):
        example = "such as 2026-12-01T23:59:00+01:00"
        if value is None:
            return None
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            raise ValueError(f"expected a date and time with a timezone, {example}, got a date only")
        elif isinstance(value, str) and len(value) <= 64:
            text = value.strip()
            try:
                moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
            except ValueError:
                raise ValueError(f"expected a date and time in ISO 8601 with a timezone, {example}, "
                                 f"got {_shown(value)}") from None
        else:
            raise ValueError(f"expected a date and time in ISO 8601 with a timezone, {example}, "
                             f"got {_shown(value)}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"expected a timezone in the date, {example} (or Z for UTC), got "
                             f"{_shown(str(value))}")
        return moment.astimezone(timezone.utc)

    def late(self, submitted_at: str | None) -> bool | None:
        """Whether a submission time (ISO 8601) is after ``due``; None when either is unknown."""
        if self.due is None or not submitted_at:
            return None
        return datetime.fromisoformat(submitted_at) > self.due

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value):
        for key in value:
            if key not in CHECKS:
                close = difflib.get_close_matches(key[:100], list(CHECKS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"unknown check {_shown(key)}{hint} (known: {', '.join(CHECKS)})")
        return dict(value)

    def check(self, check_id: str) -> CheckSetting:
        """The points and visibility of one check (DEFAULT_CHECKS when course.yaml omits it)."""
        return self.checks.get(check_id) or DEFAULT_CHECKS[check_id]

    def grading_hash(self) -> str:
        """sha256 of everything that changes what is stored for a grading: points,
        visibility, limits, seed and the language the feedback is written in."""
        # the due date grades nothing, and where it ran changes no grade
        data = self.model_dump(mode="json", exclude={"source", "due", "sandbox"})
        data["checks"] = {cid: self.check(cid).model_dump() for cid in CHECKS}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# ---- quoting the input in messages ---------------------------------------------------

def _clip(text: str, limit: int = MAX_QUOTE) -> str:
    """The first line of ``text``, at most ``limit`` characters."""
    text = str(text)
    first, newline, _ = text.partition("\n")
    if len(first) > limit or newline:
        return first[:limit - 3] + "..."
    return first


_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxdict, _repr.maxlist, _repr.maxtuple, _repr.maxset = 2, 4, 4, 4, 4
_repr.maxstring = _repr.maxother = MAX_QUOTE


def _shown(value) -> str:
    """A short, one-line repr of an input value, however large or deep it is."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of {len(hex(value)) - 2} hexadecimal digits"
    try:
        return _clip(_repr.repr(value))
    except Exception:       # a repr that fails (huge ints nested in a container, ...)
        return f"a {type(value).__name__}"


def _describe(error: dict) -> str:
    loc = _clip(".".join(_clip(str(p), 40) for p in error["loc"])) or "(top level)"
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (expected one of the documented keys)"
    if kind == "missing":
        return f"{loc}: required key is missing"
    msg = error["msg"]             # pydantic states the constraint, never the input
    msg = msg.removeprefix("Value error, ")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        msg = "expected a number " + msg.removeprefix("Input should be ")
    elif kind == "string_too_long":
        msg = "expected a string of " + msg.removeprefix("String should have ")
    elif msg.startswith("Keys should be "):
        msg = "expected keys that are " + msg.removeprefix("Keys should be ")
    elif msg.startswith("Input should be "):
        msg = "expected " + msg.removeprefix("Input should be ")
    if kind in ("int_type", "float_type"):
        if isinstance(got, bool):
            msg += " (true and false are not numbers)"
        elif isinstance(got, str):
            msg += " (got a string; write numbers without quotes)"
    return f"{loc}: {msg}, got {_shown(got)}" if kind != "value_error" else f"{loc}: {msg}"


def parse(data, source: str = "course.yaml") -> Settings:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level, "
                          f"got {type(data).__name__}")
    if "source" in data:
        raise ConfigError(f"{source}: source: unknown key (expected one of the documented keys)")
    try:
        return Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        errors = exc.errors()
        lines = [f"{source}: {_describe(e)}" for e in errors[:MAX_ERRORS]]
        if len(errors) > MAX_ERRORS:
            lines.append(f"{source}: ... and {len(errors) - MAX_ERRORS} more problems")
        raise ConfigError("\n".join(lines)) from None


# ---- reading the YAML ------------------------------------------------------------------

def _at(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


class _Refused(yaml.YAMLError):
    """Well-formed YAML that course.yaml does not accept: an alias, nesting too deep, or a
    value that Python cannot hold. The message names the key or the line, and what was
    expected; ``load`` puts the file in front of it."""


# YAML 1.1 (PyYAML) reads 1e3 as a string; course.yaml reads it as the number it looks like
_EXPONENT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader without aliases and with a bounded depth, so that what it builds is
    never larger than the text it reads. It tracks the key path of the node being composed
    for the messages."""

    def __init__(self, stream):
        super().__init__(stream)
        self._path: list[str] = []

    @staticmethod
    def _step(index) -> str:
        if index is None:
            return "(a key)"
        if isinstance(index, yaml.ScalarNode):
            return _clip(index.value, 40)
        if isinstance(index, yaml.Node):
            return "(a complex key)"
        return str(index)

    def _where(self) -> str:
        return _clip(".".join(self._path)) or "(top level)"

    def compose_node(self, parent, index):
        if parent is not None:          # index: a mapping's key node, a sequence's position
            self._path.append(self._step(index))
        try:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _Refused(f"{self._where()}: a YAML alias (*{_clip(event.anchor, 20)}) at "
                               f"{_at(event.start_mark)}: aliases are not allowed in course.yaml "
                               f"(expected the value written out in full)")
            if len(self._path) > MAX_DEPTH:
                raise _Refused(f"{self._where()}: nested too deeply at "
                               f"{_at(self.peek_event().start_mark)} (expected at most "
                               f"{MAX_DEPTH} levels)")
            return super().compose_node(parent, index)
        finally:
            if parent is not None:
                self._path.pop()

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:   # 5000 digits, 2001-02-30, ...
            raise _Refused(f"the value at {_at(node.start_mark)} cannot be read "
                           f"({_clip(exc)})") from None


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT, list("-+0123456789"))


def _read(path: Path) -> str:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (expected a course.yaml)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {_clip(exc)}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{path}: too large (expected a course.yaml of at most "
                          f"{MAX_BYTES // 1024} KB)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read it: {_clip(exc)}") from None


def load(path: str | Path | None) -> Settings:
    """Read course.yaml. ``None`` gives the defaults."""
    if path is None:
        return Settings()
    path = Path(path)
    text = _read(path)
    try:
        data = yaml.load(text, Loader=_Loader)
    except _Refused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.reader.ReaderError as exc:      # a control character, such as NUL
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(f"{path}: not valid YAML at line {line}, column {column}: "
                          f"unacceptable character #x{code:04x} "
                          f"(expected printable text)") from None
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at {_at(mark)}"
        problem = _clip(getattr(exc, "problem", None) or exc, MAX_QUOTE + 40)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
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


CONFIG_VARIABLE = "AUTOGRADER_CONFIG"


def locate(explicit: str | Path | None, start: Path, environ) -> Path | None:
    """Which course.yaml `autograder` and check() use, in this order: ``explicit``
    (--config, config=), then $AUTOGRADER_CONFIG, then the nearest course.yaml in
    ``start`` (the working folder) or above it. None: the built-in defaults."""
    if explicit:
        return Path(explicit)
    if environ.get(CONFIG_VARIABLE):
        return Path(environ[CONFIG_VARIABLE])
    for folder in [start, *start.parents]:
        if (folder / "course.yaml").is_file():
            return folder / "course.yaml"
    return None


def not_found(start: Path) -> str:
    """What both say when no course.yaml is found."""
    return (f"no course.yaml (no --config, no ${CONFIG_VARIABLE}, none in {start} or above it): "
            "using the built-in defaults, which are the shipped course.yaml's")
