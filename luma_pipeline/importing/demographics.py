"""Gender, school and class year from registration answers, found by the question's text (pure).

An organiser extends the defaults with QUESTION_FIELD_MAP ("Which dorm are you in?=school;
Your pronouns=gender"): a question whose text contains the given words fills that field."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable, Mapping

from ..schools import school_names
from ..text import academic_year_end, clean_text

# Checked in this order, so "What year are you in school?" is a class year, not a school.
DEFAULT_QUESTION_WORDS: tuple[tuple[str, str], ...] = (
    ("class year", "class_year"), ("graduation year", "class_year"), ("grad year", "class_year"),
    ("year of graduation", "class_year"), ("class of", "class_year"), ("what year", "class_year"),
    ("year in school", "class_year"), ("expected graduation", "class_year"),
    ("gender", "gender"), ("pronoun", "gender"), ("sex", "gender"),
    ("school", "school"), ("university", "school"), ("college", "school"),
    ("institution", "school"),
)

_GENDERS = (  # answer words → stored value; the first that appears in the answer wins
    (("non-binary", "nonbinary", "non binary", "enby", "genderqueer", "they/them"), "non-binary"),
    (("prefer not", "rather not", "decline"), None),
    (("woman", "female", "she/her", "girl"), "female"),
    (("man", "male", "he/him", "boy"), "male"),
)
_SINGLE_LETTER_GENDERS = {"f": "female", "w": "female", "m": "male"}
_YEARS_LEFT = {"freshman": 3, "first-year": 3, "first year": 3, "1st year": 3,
               "sophomore": 2, "second year": 2, "2nd year": 2,
               "junior": 1, "third year": 1, "3rd year": 1,
               "senior": 0, "fourth year": 0, "4th year": 0}
_FULL_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_SHORT_YEAR = re.compile(r"(?:^|[\s'’`])(\d\d)\b")


def field_of_question(label: str, extra: Iterable[tuple[str, str]] = ()) -> str | None:
    """Which person field a question fills (the organiser's words first), or None."""
    text = label.casefold()
    for words, field in (*extra, *DEFAULT_QUESTION_WORDS):
        if re.search(rf"(?<![a-z]){re.escape(words)}", text):  # "sex" is not in "Essex"
            return field
    return None


def gender_from_answer(answer: str) -> str | None:
    """'female', 'male', 'non-binary', another answer as written (lower-cased), or None."""
    text = (clean_text(answer) or "").casefold()
    if not text:
        return None
    if text in _SINGLE_LETTER_GENDERS:
        return _SINGLE_LETTER_GENDERS[text]
    for words, value in _GENDERS:
        if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in words):
            return value
    return text


def class_year_from_answer(answer: str, when: datetime | None, start_month: int = 8) -> int | None:
    """The graduation year in an answer: "2027", "Class of 2027", "'27", or "Junior" (counted from
    the academic year of `when`, which starts in `start_month`)."""
    text = (clean_text(answer) or "").casefold()
    if not text:
        return None
    found = _FULL_YEAR.search(text)
    if found:
        return int(found.group(1))
    short = _SHORT_YEAR.search(text)
    if short:
        return 2000 + int(short.group(1))
    for words, years_left in _YEARS_LEFT.items():
        if words in text and when is not None:
            return academic_year_end(when, start_month) + years_left
    return None


def demographics(answers: Mapping[str, str], when: datetime | None,
                 extra: Iterable[tuple[str, str]] = (), start_month: int = 8,
                 school_aliases: tuple[tuple[str, str], ...] = ()) -> dict:
    """{gender, school, class_year} found in one guest's answers (missing fields are absent); the
    school by its normalised name (schools.py), the answer as written in school_raw."""
    found: dict = {}
    for label, answer in answers.items():
        field = field_of_question(label, extra)
        if field is None or field in found or not clean_text(answer):
            continue
        if field == "gender":
            value = gender_from_answer(answer)
        elif field == "school":
            found.setdefault("school_raw", " ".join(answer.split()))
            value = school_names(school_aliases).name(answer)
        else:
            value = class_year_from_answer(answer, when, start_month)
        if value is not None:
            found[field] = value
    return found
