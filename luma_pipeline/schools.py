"""Schools: a registration answer turned into one name per school ("mit", "M.I.T." and
"Massachusetts Institute of Technology" are all MIT), and answers that name no school ("N/A",
"Working professional") turned into nothing.

Normalised once: at import (importing/demographics.py), and for people imported before, by
`upgrade_schools` at the start of the import and of analyze. The built-in aliases, with their
sources, are in data/school_aliases.csv; SCHOOL_ALIASES adds the organiser's own (theirs win)."""
from __future__ import annotations

import csv
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from psycopg2.extras import execute_values

log = logging.getLogger(__name__)

BUILT_IN = Path(__file__).resolve().parent / "data" / "school_aliases.csv"
SMALL_WORDS = {"of", "and", "at", "the", "in", "for", "de", "la", "du", "y"}
_SILENT = re.compile(r"[.'’`]")           # dropped: "M.I.T." is "mit", "St. John's" is "st johns"
_OTHER = re.compile(r"[^0-9a-z]+")         # anything else separates words
_EDGES = " \t.,;:!?-–—/\\'\"“”‘’()[]{}*#"  # trimmed from both ends of an answer


def fold(text: str) -> str:
    """The key two writings of one school share: accents, case, punctuation and spacing folded,
    "&" read as "and", a leading "the" dropped."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    words = _OTHER.sub(" ", _SILENT.sub("", ascii_text.replace("&", " and "))).split()
    return " ".join(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


def tidy(answer: str) -> str:
    """An unknown school as written, with its spacing and outer punctuation cleaned and its case
    made a name's ("boston UNIVERSITY" → "Boston University"); acronyms and names with capitals
    inside (UCLA, McGill) stay as written."""
    words = " ".join(answer.split()).strip(_EDGES).split()
    letters = [[c for c in w if c.isalpha()] for w in words]
    shouting = (all(w.isupper() for w, ls in zip(words, letters) if ls)
                and any(len(ls) > 5 for ls in letters))
    return " ".join(_word_case(word, first=i == 0, shouting=shouting) for i, word in enumerate(words))


def _word_case(word: str, *, first: bool, shouting: bool) -> str:
    letters = [c for c in word if c.isalpha()]
    if not shouting and letters and (any(c.isupper() for c in letters[1:]) or
                                     (word.isupper() and len(letters) <= 5)):
        return word  # UCLA, McGill, UMass: written so on purpose
    if not first and word.lower() in SMALL_WORDS:
        return word.lower()
    return word[:1].upper() + word[1:].lower()


@dataclass(frozen=True)
class SchoolNames:
    """Folded alias → the school's name, or None for an answer that names no school."""

    aliases: dict

    def name(self, answer: str | None) -> str | None:
        """The school an answer names: its alias's name, else the answer tidied; None for a blank
        or an answer that names no school."""
        key = fold(answer or "")
        if not key:
            return None
        if key in self.aliases:
            return self.aliases[key]
        return tidy(answer) or None


def read_alias_file(path: Path) -> list[tuple[str, str]]:
    """(alias, name) pairs of a CSV with `alias` and `name` columns. Raises ValueError naming the
    file, row and column that is not as expected."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"alias", "name"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: row 1: missing column(s) {', '.join(sorted(missing))} "
                             "(expected a header alias,name[,source])")
        pairs = []
        for row in reader:
            if not (row.get("alias") or "").strip():
                raise ValueError(f"{path}: row {reader.line_num}, column alias: empty (expected the "
                                 "answer as people write it)")
            pairs.append((row["alias"], (row.get("name") or "").strip()))
    return pairs


@lru_cache(maxsize=8)
def school_names(extra: tuple[tuple[str, str], ...] = ()) -> SchoolNames:
    """The built-in aliases, then the organiser's `extra` (alias, name) pairs, which win. A name
    is an alias of itself; an empty name marks an answer that names no school."""
    aliases: dict = {}
    for alias, name in read_alias_file(BUILT_IN):
        if name:
            aliases.setdefault(fold(name), name)
        aliases[fold(alias)] = name or None
    for alias, name in extra:
        if name:
            aliases[fold(name)] = name
        aliases[fold(alias)] = name or None
    return SchoolNames(aliases)


def upgrade_people(conn, names: SchoolNames) -> int:
    """Give people imported before their school's normalised name, each distinct value once (the
    raw answer kept in school_raw), in one transaction. Returns how many people changed."""
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT school FROM people WHERE school IS NOT NULL")
        renames = [(old, new) for (old,) in cur.fetchall() if (new := names.name(old)) != old]
        if not renames:
            conn.rollback()
            return 0
        changed = execute_values(cur, """
            UPDATE people AS p SET school = v.new, school_raw = COALESCE(p.school_raw, p.school),
                                   updated_at = now()
            FROM (VALUES %s) AS v (old, new) WHERE p.school = v.old RETURNING 1""",
                                 renames, template="(%s::text, %s::text)", fetch=True)
    conn.commit()
    return len(changed)


def upgrade_schools(ctx) -> None:
    """Bring the schools of people imported before (or under older aliases) to their normalised
    names; the steps that read schools (import, analyze) call it first, and a dry run skips it."""
    if ctx.dry_run:
        return
    changed = upgrade_people(ctx.conn, school_names(ctx.settings.school_aliases))
    if changed:
        log.info("schools: %d people's school answers normalised (the answers kept in people.school_raw)",
                 changed)
