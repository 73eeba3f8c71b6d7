"""Student-controlled text made safe for the instructor's terminal and spreadsheet.

``terminal(text)`` writes every control character visibly escaped, so that an exception
message, a note or a file name can neither move the cursor, clear or recolour a line, set the
window title nor reorder what is shown: C0 controls (newlines and tabs too, unless
``lines=True``), DEL, C1 controls (U+0080-U+009F, which some terminals read as ESC [) and the
Unicode bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). ``"\\x1b[2K"``
becomes the seven characters ``\\x1b[2K``; everything else is kept as it is.

``csv_text(value)`` neutralises a spreadsheet formula in a text cell, as OWASP recommends for
CSV injection: a string that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading ``'``. Only text cells go through it; numbers are written as numbers.
"""
from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def terminal(text, lines: bool = False) -> str:
    """``text`` (any object: ``str()`` of it) with its control characters escaped; with
    ``lines=True`` newlines are kept (a whole message of several lines, not a table cell)."""
    return (_CONTROL_BUT_NEWLINE if lines else _CONTROL).sub(_escape, str(text))


def csv_text(value):
    """A text cell that a spreadsheet will not read as a formula; any other value unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>!#|~&])")


def markdown_text(text: str) -> str:
    """Plain text that Markdown shows as it is: its emphasis, code, link and HTML characters
    backslash-escaped (a check named ``(y_hat - y)**2 / 2`` stays that, not bold)."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
