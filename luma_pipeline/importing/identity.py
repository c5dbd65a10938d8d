"""How a guest's identifiers are written down for comparison: emails, phones, names (pure)."""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import phonenumbers
from nicknames import NickNamer
from rapidfuzz.distance import OSA

from ..text import clean_text

_NON_LETTERS = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def normalize_email(value: object) -> str | None:
    """An email trimmed and case-folded; None when it is not an address (exactly one `@`, with
    something on each side: `a@b@c` is not one)."""
    text = clean_text(value)
    if not text:
        return None
    email = _SPACES.sub("", text).casefold()
    local, at, domain = email.partition("@")
    return email if at and local and domain and "@" not in domain else None


# A North American number in one of the ways people write it: (617) 555-0100, 617.555.0100,
# +1 617 555 0100. Read without the full parser, which is slow for tens of thousands of rows.
_NANP = re.compile(r"^(?:\+?1[\s.-]*)?\(?([2-9]\d\d)\)?[\s.-]*([2-9]\d\d)[\s.-]*(\d{4})$")


def normalize_phone(value: object, region: str = "US") -> str | None:
    """A phone number in E.164 (`+16175550100`), read as `region` when it has no country code;
    None when it is not a possible number."""
    text = clean_text(value)
    if not text:
        return None
    nanp = _NANP.match(text) if (region in ("US", "CA") or text.startswith("+1")) else None
    if nanp:
        return "+1" + "".join(nanp.groups())
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Letters Unicode does not split into a base letter and an accent.
_UNSPLIT_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                                  "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ß": "ss", "þ": "th",
                                  "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i"})


@lru_cache(maxsize=200_000)
def fold_name(value: object) -> str:
    """A name with case, accents, punctuation and spacing folded away (`José  Álvarez` → `jose
    alvarez`, `Søren Łukasz` → `soren lukasz`)."""
    text = (clean_text(value) or "").translate(_UNSPLIT_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _NON_LETTERS.sub(" ", text.replace("-", " ").replace("'", ""))
    return _SPACES.sub(" ", text).strip()


_NOT_KEY_LETTERS = re.compile(r"[^a-z]+")


@lru_cache(maxsize=200_000)
def name_key(value: object) -> str:
    """A name's letters a-z as fold_name leaves them (`José-María O'Brien` → `josemariaobrien`):
    twin of schema.sql's name_key, by which the importer finds the names it needs."""
    return _NOT_KEY_LETTERS.sub("", fold_name(value))


def split_name(name: object, first: object = None, last: object = None) -> tuple[str | None, str | None]:
    """(first name, last name) from the separate columns, else from the full name: the first word
    is the first name and the rest the last name; a one-word name is a first name."""
    first, last = clean_text(first), clean_text(last)
    if first or last:
        return first, last
    words = (clean_text(name) or "").split()
    if not words:
        return None, None
    return words[0], " ".join(words[1:]) or None


@lru_cache(maxsize=None)
def _nicknamer() -> NickNamer:
    return NickNamer()


EXTRA_NAMES = Path(__file__).with_name("nicknames_extra.csv")


@lru_cache(maxsize=None)
def _extra_names() -> tuple[dict[str, set[str]], frozenset[str]]:
    """The nickname pairs of nicknames_extra.csv (both ways) and every given name it lists."""
    pairs: dict[str, set[str]] = defaultdict(set)
    names = set()
    with open(EXTRA_NAMES, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            name, nickname = row["name"].strip(), (row["nickname"] or "").strip()
            names.update(n for n in (name, nickname) if n)
            if nickname:
                pairs[name].add(nickname)
                pairs[nickname].add(name)
    return pairs, frozenset(names)


@lru_cache(maxsize=100_000)
def name_forms(folded_first: str) -> frozenset[str]:
    """A folded first name with its nicknames and the names it is a nickname of (Bob ↔ Robert),
    from the `nicknames` dataset and nicknames_extra.csv."""
    namer = _nicknamer()
    return frozenset({folded_first} | namer.canonicals_of(folded_first) | namer.nicknames_of(folded_first)
                     | _extra_names()[0].get(folded_first, set()))


def same_first_name(a: str, b: str) -> bool:
    """True when two folded first names are equal or one is a nickname of the other."""
    return a == b or b in name_forms(a) or a in name_forms(b)


@lru_cache(maxsize=None)
def _known_first_names() -> frozenset[str]:
    namer = _nicknamer()
    return frozenset(namer.canonical_lookup) | frozenset(namer.nickname_lookup) | _extra_names()[1]


TYPO_MIN_LENGTH = 5  # shorter names one edit apart are usually other names (Jun, Juan; Hunt)


def first_names_compatible(a: str, b: str) -> bool:
    """True when two folded first names may be the same person's: equal, nicknames of each other,
    or one a typo of the other (one edit apart, both at least 5 letters). Two different real names
    (Mark, Mary; Jon, Joan) are never a typo of each other."""
    if same_first_name(a, b):
        return True
    known = _known_first_names()
    if a in known and b in known:
        return False
    return is_typo(a, b)


def is_typo(a: str, b: str, min_length: int = TYPO_MIN_LENGTH) -> bool:
    """True when two different words of at least `min_length` letters are one edit (or one swap)
    apart after the same first letter (people rarely get their first letter wrong, while Kalavia
    and Valavia, Aiden and Jaiden are names of their own)."""
    return (a != b and min(len(a), len(b)) >= min_length and a[:1] == b[:1]
            and abs(len(a) - len(b)) <= 1 and OSA.distance(a, b) <= 1)


def email_local_part(email: str | None) -> str:
    """The part of a normalised email before the `@`, without a `+tag` and without dots, dashes
    and underscores (`Jo.Smith+events@x` → `josmith`); '' for None."""
    if not email or "@" not in email:
        return ""
    local = email[:email.rindex("@")].partition("+")[0]
    return local.replace(".", "").replace("_", "").replace("-", "")


_DIGITS = re.compile(r"\d+")


def local_parts_agree(a: str, b: str, first: str, last: str) -> bool:
    """True when two email local parts (email_local_part) say "the same person": equal, or one
    edit apart when long, and telling: a handle of one's own (starlight42), or the same name-built
    handle with the same digits (jsmith1987). A name written the usual ways (jsmith, smith.j,
    john.smith) is not telling on its own: anyone of that name may write it."""
    if not (a and b) or not (a == b or (min(len(a), len(b)) >= 6 and is_typo(a, b, 6))):
        return False
    digits = "".join(_DIGITS.findall(a))
    if len(digits) >= 2 and digits == "".join(_DIGITS.findall(b)):
        return True
    return is_handle(a, first, last)


def is_handle(local: str, first: str, last: str) -> bool:
    """True when a local part is a handle of one's own, not the name (any form of the first name)
    as people write it in an address (jsmith, smith.j, john.smith2)."""
    return bool(local) and not _built_from_name(_DIGITS.sub("", local), first, last)


def _built_from_name(letters: str, first: str, last: str) -> bool:
    """Whether a local part's letters are the name (any form of the first name) as people write
    it in an address."""
    built = _address_forms(first, last)
    return letters in built or any(is_typo(letters, form, 4) for form in built if form)


@lru_cache(maxsize=50_000)
def _address_forms(first: str, last: str) -> frozenset[str]:
    """The ways people write a name (any form of the first name) in an email address."""
    surname = last.replace(" ", "")
    built = {surname}
    for given in name_forms(first.replace(" ", "")):
        built |= {given, given + surname, surname + given, given[:1] + surname, given + surname[:1],
                  surname + given[:1], given[:1] + surname[:1]}
    return frozenset(built)
