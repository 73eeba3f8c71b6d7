"""Feedback in Chinese is Chinese: every message key has both languages, and no zh message,
as a real grading fills it in, still holds an English sentence."""
from __future__ import annotations

import re

import pytest

from samples.mutants import MUTANTS

ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}")   # three English words in a row


def _prose(markdown: str) -> str:
    """A message without its code and quotations: fenced blocks, `inline code` and a
    program's own words quoted 「like this」 (an exception's message) may be English."""
    markdown = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    markdown = re.sub(r"「[^」]*」", " ", markdown)
    markdown = re.sub(r"\b-?(nan|inf)\b", " ", markdown)        # numbers, as Python prints them
    return re.sub(r"`[^`]*`", " ", markdown)


@pytest.fixture(scope="module")
def zh(course):
    return course.model_copy(update={"language": "zh"})


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_no_english_sentence_in_a_chinese_message(grade, zh, mutant):
    report = grade(mutant.source(), settings=zh)
    for r in report.results:
        if not r.passed:
            found = ENGLISH_RUN.findall(_prose(r.message))
            assert not found, (r.id, r.mistake, found)


def test_the_check_itself_catches_english(grade, course):
    """The test above would pass vacuously if it could not see English: in English it does."""
    mutant = next(m for m in MUTANTS if m.name == "no zeroing")
    report = grade(mutant.source(), settings=course)
    assert any(ENGLISH_RUN.findall(_prose(r.message)) for r in report.results if not r.passed)
