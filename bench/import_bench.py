#!/usr/bin/env python3
"""Benchmark of import_luma_attendance.py: speed and person-matching quality against known truth.

Generates (seeded) a people table of 100,000 people whose identities are known and one guest list
of 20,000 rows in Luma's export format (70% people already known, 30% new, with realistic noise:
email case and spaces, unseen second emails, phone formats, nicknames, typos, dropped accents,
namesakes), runs the importer on it in-process, and prints rows per second and the pairwise
precision and recall of matching, with a breakdown for tuning. Exits 1 when a target is missed.
Uses a scratch database on the DATABASE_URL server when it is set, else a throwaway embedded
PostgreSQL in a temporary folder.

    .venv/bin/python bench/import_bench.py [--people 100000] [--rows 20000] [--seed 7] [--keep]
                                           [--examples 4]
"""
from __future__ import annotations

import argparse
import atexit
import csv
import io
import os
import random
import shutil
import string
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
from rapidfuzz import process
from rapidfuzz.distance import OSA

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch_database import database_for  # noqa: E402

import import_luma_attendance  # noqa: E402
from luma_pipeline.database import apply_schema  # noqa: E402
from luma_pipeline.importing.identity import fold_name, normalize_email, same_first_name  # noqa: E402
from luma_pipeline.luma.guest_csv import EXPORT_COLUMNS, guest_csv_name  # noqa: E402
from luma_pipeline.text import format_instant  # noqa: E402

TARGET_ROWS_PER_S = 5000
TARGET_PRECISION = 0.997
TARGET_RECALL = 0.975
TARGET_REVIEW_SHARE = 0.02  # at most: review items per guest row
TARGET_REVIEW_TRUE = 0.5  # at least: share of review items whose candidate is truly the guest
EVENT_ID, EVENT_NAME = "evt-BenchEvent00001", "Bench Event: Founders Night"

# Names, most common first (their rank sets how often they are drawn).
FIRST_NAMES = """
Michael James John Robert David William Daniel Joseph Christopher Matthew Emily Sarah Jessica
Elizabeth Ashley Jennifer Anthony Andrew Joshua Ryan Nicholas Alexander Jonathan Benjamin Thomas
Hannah Samantha Katherine Olivia Emma Sophia Isabella Kevin Brian Jacob Tyler Justin Samuel Nathan
Zachary Ethan Noah Ava Mia Abigail Madison Grace Natalie Victoria Rebecca Lauren Rachel Megan Nicole
Stephanie Michelle Laura Anna María Sofia Camila Steven Richard Charles Patrick Sean Adam Aaron
Timothy Jeffrey Mark Paul Peter Gregory Kenneth Edward José Luis Carlos Juan Miguel Diego Mateo
Valentina Lucía Isabel Gabriela Daniela Alexandra Catherine Margaret Patricia Susan Deborah Kimberly
Christina Amy Melissa Julia Claire Caroline Allison Brooke Morgan Taylor Santiago Gabriel Isaac
Elijah Liam Lucas Mason Logan Owen Caleb Dylan Luke Henry Jack Wyatt Hunter Connor Evan Ian Cameron
Austin Aidan Jordan Julian Adrian Xavier Vincent Victor Kayla Alyssa Brianna Sydney Paige Haley
Jasmine Maya Priya Ananya Aisha Fatima Zainab Amara Ngozi Chiamaka Mei Ying Xin Yuki Sakura Hana
Raymond Lawrence Frederick Theodore Phillip Douglas Harold Ronald Donald Leonard Francis Óscar Arjun
Rohan Vikram Rahul Aditya Karan Wei Jun Hao Yusuf Omar Ali Hassan Ahmed Mohammed Ibrahim Jamal
Malik Darnell Tariq Kwame Chidi Emeka Hiroshi Kenji Takeshi Minh Duc Sung Jae André François Søren
Björn Jürgen Raúl Martín Julián Sebastián Nicolás Joaquín Ramón Héctor Iñigo Zoë Chloé Renée Noémie
Léa Hélène Inés Ximena Nadia Leila Yasmin Eleanor Josephine Theresa Veronica Penelope Dorothy
Madeline Jacqueline Vanessa Andrea Monica Erica Heather Kelly Lindsey Erin Shannon Kristen Danielle
Courtney Alexis Audrey Lily Ella Scarlett Aria Linh Thao Ji-woo Seo-yeon Jamie Casey Riley Avery
Quinn Kai Rowan Harper Elena Marco Luca Giulia Matteo Francesca Lorenzo Chiara Pierre Antoine Camille
Mathieu Sven Lars Ingrid Astrid Anders Pavel Dmitri Natalia Katarzyna Tomasz Agnieszka Piotr Oluwaseun
Adebayo Folake Tunde Kofi Abena Esi Deepak Sanjay Kavya Neha Pooja Sunil Ravi Anjali Ahmad Farah
Layla Mariam Khalid Samir Noor Rania Bilal Tomás Agustín Florencia Martina Benedikt Felix Lukas Jonas
Leon Paulina Hugo Zoé Gaël Maëlle Jérôme Céline Sébastien Åsa Ulrich Wolfgang Heike Dagmar
""".split()
LAST_NAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Pérez Thompson White Harris Sánchez Clark
Ramírez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyễn Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gómez Phillips Evans Turner Díaz Parker
Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutiérrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chávez Wood James
Bennett Gray Mendoza Ruiz Hughes Price Álvarez Castillo Sanders Patel Myers Long Ross Foster Jiménez
Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vásquez
Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole
Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens
Harrison Fernández McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker
Guzmán Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Muñoz
Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice
Schmidt García-López Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley
Spencer Hawkins Arnold Pierce Vázquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham
Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman
Johnston Matthews Peña Richards Contreras Willis Carpenter Lawrence Sandoval Guerrero George Chapman
Rios Estrada Ortega Watkins Greene Núñez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison
Franklin Carlson Austin Domínguez Carr Lawson Jacobs O'Brien Lynch Singh Vega Bishop Montgomery
Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le McCoy
Garrett Burton Fuller Wang Weber Welch Rojas Lucas Márquez Fields Park Yang Little Banks Padilla
Day Walsh Bowman Schultz Luna Fowler Mejía Davidson Acosta Brewer May Holland Juárez Newman Pearson
Curtis Cortez Douglas Schneider Joseph Barrett Navarro Figueroa Keller Ávila Wade Molina Stanley Hopkins
Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers
Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran Walters
Cohen McDaniel Moran Parks Steele Vaughn Becker Holt DeLeon Barker Terry Hale Leon Benson Haynes
Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman Dawson Lara
Fletcher Page McCarthy Love Robles Cervantes Solis Erickson Reeves Chang Klein Salinas Fuentes Baldwin
Daniels Simon Velásquez Hardy Higgins Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Dennis
Robbins Liu Ramsey Francis Griffith Paul Blair O'Connor Cardenas Pacheco Cross Calderón Quinn Moss
Swanson Chan Rivas Khan Rodgers Serrano Fitzgerald Rosales Stevenson Christensen Manning Gill Curry
McLaughlin Harmon McGee Gross Doyle Garner Newton Burgess Reese Walton Blake Trujillo Adkins Brady
Goodman Roman Webster Goodwin Fischer Huang Potter Delacruz Montoya Todd Wu Hines Mullins Castañeda
Malone Cannon Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf Valencia Saunders Franco Rowe
Gallagher Farmer Hammond Hampton Townsend Ingram Wise Gallegos Clarke Barton Schroeder Maxwell
Waters Logan Camacho Strickland Norman Person Colón Parsons Frank Harrington Glover Osborne Buchanan
Casey Floyd Patton Ibarra Ball Tyler Suárez Bowers Orozco Salas Cobb Gibbs Andrade Bauer Conner
Moody Escobar McGuire Lloyd Mueller Hartman French Kramer McBride Pope Lindsey Velázquez Norton
McCormick Sparks Flynn Yates Hogan Marsh Macías Villanueva Zamora Pratt Stokes Owen Ballard Lang Brock
Villarreal Charles Drake Barrera Cain Patrick Piñeda Burnett Mercado Santana Shepherd Bautista Ali
Shaffer Lamb Trevino McKenzie Hess Olsen Cochran Morton Nash Wilkins Petersen Briggs Shah Roth
Nicholson Holloway Lozano Rangel Flowers Hoover Short Arias Mora Valenzuela Bryan Meyers Weiss
Underwood Bass Greer Summers Houston Carson Morrow Clayton Whitaker Decker Yoder Collier Zuniga Carey
Wilcox Melendez Poole Roberson Larsen Conley Davenport Copeland Massey Lam Huff Rocha Cameron Jefferson
Hood Monroe Anthony Pittman Huynh Randall Singleton Kirk Combs Mathis Christian Skinner Bradford
Richard Galvan Wall Boone Kirby Wilkinson Bridges Bruce Atkinson Velez Meza Roy Vincent York Hodge
Villa Abbott Allison Tapia Gates Chase Sosa Sweeney Farrell Wyatt Dalton Horn Barron Phelps Yu Dickerson
Heath Foley Atkins Mathews Bonilla Acevedo Benitez Zavala Hensley Glenn Cisneros Harrell Shields
Rubio Huffman Choi Boyer Garrison Arroyo Bond Kane Hancock Callahan Dillon Cline Wiggins Grimes
Arellano Melton O'Neill Savage Ho Beltran Pitts Parrish Ponce Rich Booth Koch Golden Ware Brennan
McDowell Marks Cantu Humphrey Baxter Sawyer Clay Tanner Hutchinson Kaufman Batista Benton Ochieng
Okafor Adeyemi Mensah Boateng Nakamura Tanaka Watanabe Suzuki Takahashi Yamamoto Sato Kowalski
Nowak Wiśniewski Wójcik Kowalczyk Müller Schröder Björk Dubois Lefèvre Côté Gagné Bélanger Rossi
Russo Ferrari Esposito Bianchi Romano Ricci Søndergaard Østergaard Łukasiewicz Hassan Haddad Nasser
Mansour Ibrahim Abdullah Rahman Hussain Iyer Reddy Nair Menon Kapoor Mehta Joshi Gupta Sharma Trần
Lê Phạm Võ Đặng
""".split() + ["Van der Berg", "De la Cruz"]

# Common real nicknames (canonical → nicknames), checked against the matcher at start.
NICKNAMES = {
    "Robert": ["Bob", "Rob", "Bobby", "Robbie"], "William": ["Bill", "Will", "Billy"],
    "Elizabeth": ["Liz", "Beth", "Lizzie", "Betsy"], "Katherine": ["Kate", "Katie", "Kathy", "Kat"],
    "Catherine": ["Cathy", "Cat", "Kate"], "Jonathan": ["Jon", "Jonny"], "Michael": ["Mike", "Mikey"],
    "Alexander": ["Alex", "Xander"], "Alexandra": ["Alex", "Lexi", "Sasha"], "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"], "Nicholas": ["Nick", "Nicky"], "Benjamin": ["Ben", "Benny"],
    "Matthew": ["Matt"], "Joseph": ["Joe", "Joey"], "Thomas": ["Tom", "Tommy"], "Anthony": ["Tony"],
    "Edward": ["Ed", "Eddie", "Ted"], "James": ["Jim", "Jimmy"], "Steven": ["Steve"],
    "Richard": ["Rick", "Rich"], "Charles": ["Charlie", "Chuck"], "David": ["Dave"],
    "Andrew": ["Andy", "Drew"], "Margaret": ["Maggie", "Peggy", "Meg"], "Jennifer": ["Jen", "Jenny"],
    "Samantha": ["Sam", "Sammy"], "Samuel": ["Sam", "Sammy"], "Rebecca": ["Becca", "Becky"],
    "Victoria": ["Tori", "Vicky"], "Abigail": ["Abby"], "Isabella": ["Bella", "Izzy"],
    "Patricia": ["Pat", "Trish"], "Susan": ["Sue", "Susie"], "Deborah": ["Debbie", "Deb"],
    "Jessica": ["Jess", "Jessie"], "Christina": ["Tina", "Chrissy"], "Kimberly": ["Kim"],
    "Timothy": ["Tim"], "Gregory": ["Greg"], "Jeffrey": ["Jeff"], "Zachary": ["Zach"],
    "Patrick": ["Pat"], "Peter": ["Pete"], "Frederick": ["Fred"], "Theodore": ["Theo", "Ted"],
    "Gabriel": ["Gabe"], "Joshua": ["Josh"], "Jacob": ["Jake"], "Cameron": ["Cam"],
    "Madeline": ["Maddie"], "Stephanie": ["Steph"], "Natalie": ["Nat"], "Eleanor": ["Ellie", "Nell"],
    "Josephine": ["Josie", "Jo"], "Theresa": ["Tess", "Terri"], "Penelope": ["Penny"],
    "Kenneth": ["Ken", "Kenny"], "Ronald": ["Ron"], "Donald": ["Don"], "Raymond": ["Ray"],
    "Lawrence": ["Larry"], "Leonard": ["Leo", "Len"], "Vincent": ["Vince", "Vinny"],
    "Francis": ["Frank"], "Phillip": ["Phil"], "Douglas": ["Doug"], "Harold": ["Harry", "Hal"],
    "Henry": ["Hank"], "Nathan": ["Nate"], "Dorothy": ["Dot", "Dottie"], "Jacqueline": ["Jackie"],
}
EMAIL_DOMAINS = [("gmail.com", 50), ("yahoo.com", 7), ("outlook.com", 6), ("icloud.com", 8),
                 ("hotmail.com", 4), ("proton.me", 2), ("bu.edu", 5), ("mit.edu", 3),
                 ("northeastern.edu", 5), ("harvard.edu", 3), ("tufts.edu", 2), ("bc.edu", 2),
                 ("acme-corp.com", 3)]
AREA_CODES = ["617", "857", "781", "978", "508", "212", "646", "718", "415", "510", "312", "202",
              "305", "404", "512", "206", "303", "215", "412", "860", "401", "339", "774"]
# Letters a person on an English keyboard writes without their mark (NFKD does not split these).
ASCII_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "Ae",
                               "đ": "d", "Đ": "D", "ß": "ss", "œ": "oe", "Œ": "Oe"})

# Rates of the generated data (printed by the script).
RATES = {
    "people with a phone on file": 0.85,
    "people with a second email on file": 0.20,
    "rows of people already known": 0.70,
    "known rows using the second email on file (people who have one)": 0.30,
    "known rows with a second email never seen": 0.10,
    "rows with the email's case changed": 0.15,
    "rows with spaces around the email": 0.05,
    "rows with no phone": 0.20,
    "known rows giving a phone never seen (people with no phone on file)": 0.50,
    "known rows using a nickname (first names that have one)": 0.10,
    "known rows with a one-letter typo in the first or last name": 0.03,
    "rows with accents dropped (accented names)": 0.50,
    "rows with only the full name (first/last columns blank)": 0.05,
    "new people given the full name of a known, different person": 0.10,
    "new people who register twice": 0.08,
    "approved guests checked in": 0.50,
}
RATE = {key: value for key, value in zip(
    ("phone_on_file", "second_email_on_file", "known", "use_second_email", "new_email",
     "email_case", "email_spaces", "phone_missing", "phone_new", "nickname", "typo",
     "accents_dropped", "name_only", "namesake", "register_twice", "checked_in"), RATES.values())}
PHONE_FORMATS = [("e164", 40), ("paren", 25), ("dots", 15), ("plus1_spaced", 20)]
STATUSES = [("approved", 80), ("waitlist", 5), ("declined", 5), ("pending_approval", 4), ("invited", 6)]
SECOND_REGISTRATION = [("same_email", 50), ("other_email_same_phone", 30), ("other_email_no_phone", 20)]
TOKEN_ALPHABET = string.ascii_letters + string.digits


# -- generating people ------------------------------------------------------------------------------

@dataclass
class Person:
    """A true identity: `key` is the people.id of a known person, negative for a new one."""

    key: int
    first: str
    last: str
    emails: list[str]
    phone: str | None  # E.164
    namesake: bool = False


@dataclass
class Row:
    """One guest row as written to the CSV, with the identity behind it and the noise it carries."""

    guest_id: str
    truth: int
    first: str
    last: str
    email: str
    phone: str
    created_at: datetime
    status: str
    checked_in_at: datetime | None
    name_only: bool
    noise: list[str] = field(default_factory=list)


def ascii_name(text: str) -> str:
    """A name as typed without accents (what a guest on an English keyboard writes)."""
    text = unicodedata.normalize("NFKD", text.translate(ASCII_LETTERS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _dedupe_folded(names: list[str]) -> list[str]:
    """Names with later spellings of an already listed (folded) name left out."""
    seen, kept = set(), []
    for name in names:
        key = ascii_name(name).casefold()
        if key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


class Draw:
    """Names, unique emails and unique phones drawn from one seeded random source."""

    def __init__(self, seed: int):
        """Seed the source; prepare the ranked name lists."""
        self.rng = random.Random(seed)
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()
        self.firsts, self.first_cum = _ranked(_dedupe_folded(FIRST_NAMES))
        self.lasts, self.last_cum = _ranked(_dedupe_folded(LAST_NAMES))
        self.tail = {"first": tail_names("first", self.firsts), "last": tail_names("last", self.lasts)}

    def chance(self, rate: float) -> bool:
        """True with probability `rate`."""
        return self.rng.random() < rate

    def pick(self, weighted: list[tuple[str, int]]) -> str:
        """One value of a (value, weight) list."""
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def name(self) -> tuple[str, str]:
        """A (first, last) name: common names more often, and now and then a rare one."""
        first = (self.rng.choice(self.tail["first"]) if self.chance(TAIL_SHARE["first"])
                 else self.rng.choices(self.firsts, cum_weights=self.first_cum)[0])
        last = (self.rng.choice(self.tail["last"]) if self.chance(TAIL_SHARE["last"])
                else self.rng.choices(self.lasts, cum_weights=self.last_cum)[0])
        return first, last

    def email(self, first: str, last: str) -> str:
        """A new, unique address built the way people build theirs."""
        f, l = (("".join(c for c in ascii_name(n).lower() if c.isalnum()) or "x") for n in (first, last))
        local = self.rng.choice([f"{f}.{l}", f"{f}{l}", f"{f[0]}{l}", f"{f}_{l}", f"{f}{l[0]}",
                                 f"{l}.{f}", f"{f}.{l}{self.rng.randint(1, 99)}"])
        domain = self.pick(EMAIL_DOMAINS)
        address = f"{local}@{domain}"
        while address in self.used_emails:
            address = f"{local}{self.rng.randint(1, 9999)}@{domain}"
        self.used_emails.add(address)
        return address

    def phone(self) -> str:
        """A new, unique US number in E.164."""
        while True:
            number = (f"+1{self.rng.choice(AREA_CODES)}{self.rng.randint(200, 999)}"
                      f"{self.rng.randint(0, 9999):04d}")
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def token(self, prefix: str, length: int = 15) -> str:
        """A Luma-style random id (`gst-…`, `g-…`)."""
        return prefix + "".join(self.rng.choices(TOKEN_ALPHABET, k=length))

    def person(self, key: int, first: str | None = None, last: str | None = None) -> Person:
        """A person with a name (drawn unless given), one or two emails, and most often a phone."""
        if first is None:
            first, last = self.name()
        emails = [self.email(first, last)]
        if self.chance(RATE["second_email_on_file"]):
            emails.append(self.email(first, last))
        phone = self.phone() if self.chance(RATE["phone_on_file"]) else None
        return Person(key, first, last, emails, phone)


# Real name frequencies have a long tail: in the US the 1,000 commonest surnames cover about 60% of
# people (Census 2010) and the commonest few hundred first names about 75-80%. The lists above are
# the head; these made-up names stand in for the tail, so that namesakes are as common as in a real
# community of this size, not far more.
TAIL_SHARE = {"first": 0.22, "last": 0.40}
_TAIL_PARTS = {
    "first": (["Ad", "Bel", "Cor", "Dar", "El", "Fen", "Gar", "Hal", "Is", "Jor", "Kal", "Lor",
               "Mar", "Nev", "Or", "Per", "Quin", "Ros", "Sel", "Tam", "Ul", "Val", "Wyn", "Yar",
               "Zel", "Ar", "Bri", "Cal", "Del", "Em"],
              ["a", "e", "i", "o", "u", "ia", "ie", "ai", ""],
              ["n", "na", "ra", "lie", "son", "lyn", "ric", "mon", "den", "ly", "nor", "via", "ren",
               "tha", "don", "wen", "sa", "to"]),
    "last": (["Ab", "Al", "Ash", "Bar", "Bel", "Bren", "Cal", "Dal", "Dun", "El", "Fair", "Gal",
              "Hal", "Hart", "Kir", "Lang", "Lind", "Mar", "Mor", "Nor", "Oak", "Pem", "Ral",
              "Ros", "Sal", "Stan", "Thorn", "Vel", "Wal", "Wes", "Whit", "Win", "Yar", "Zel",
              "Okon", "Naka", "Ade", "Kov", "Sund", "Berg"],
             ["a", "e", "i", "o", "en", "er", "in", "an", "ow", "ar", "el", "ov", ""],
             ["berg", "by", "croft", "dale", "field", "ford", "gate", "ham", "holm", "hurst", "ley",
              "ling", "man", "mere", "more", "ridge", "son", "stead", "stone", "ton", "well",
              "wick", "wood", "worth", "kwo", "mura", "yemi", "ic", "qvist", "ström"]),
}


def tail_names(kind: str, taken: list[str]) -> list[str]:
    """Made-up names for the tail of the frequency distribution (each about equally rare). Syllable
    soup makes near twins (Velahurst, Velihurst) that real rare names seldom are, so a made-up name
    one typo away from a name already kept is left out."""
    starts, middles, ends = _TAIL_PARTS[kind]
    kept: dict[tuple[str, int], list[str]] = defaultdict(list)
    for name in taken:
        folded = ascii_name(name).casefold()
        kept[(folded[:1], len(folded))].append(folded)
    names = []
    for made in (f"{a}{b}{c}".capitalize() for a in starts for b in middles for c in ends):
        folded = ascii_name(made).casefold()
        near = [n for size in (len(folded) - 1, len(folded), len(folded) + 1)
                for n in kept.get((folded[:1], size), ())]
        if not near or process.extractOne(folded, near, scorer=OSA.distance, score_cutoff=1) is None:
            kept[(folded[:1], len(folded))].append(folded)
            names.append(made)
    return names


def _ranked(names: list[str]) -> tuple[list[str], list[float]]:
    """Names with cumulative weights falling with rank (a mild Zipf: the top name is ~2-3%)."""
    total, cum = 0.0, []
    for rank in range(len(names)):
        total += 1.0 / (rank + 12) ** 0.9
        cum.append(total)
    return names, cum


def make_people(draw: Draw, count: int) -> list[Person]:
    """The known people, ids 1..count."""
    return [draw.person(key) for key in range(1, count + 1)]


def full_name_holders(people: list[Person]) -> dict[str, list[int]]:
    """Folded full name → ids of the people who hold it (as the matcher folds names)."""
    holders: dict[str, list[int]] = defaultdict(list)
    for p in people:
        holders[f"{fold_name(p.first)} {fold_name(p.last)}"].append(p.key)
    return holders


# -- loading ---------------------------------------------------------------------------------------

def load_people(conn, people: list[Person]) -> None:
    """COPY the people and their identifiers in, and move the id sequence past them."""
    people_csv, identifiers_csv = io.StringIO(), io.StringIO()
    people_out, identifiers_out = csv.writer(people_csv), csv.writer(identifiers_csv)
    for p in people:
        people_out.writerow((p.key, p.first, p.last, p.emails[0], p.phone))
        identifiers_out.writerows(("email", e, p.key) for e in p.emails)
        if p.phone:
            identifiers_out.writerow(("phone", p.phone, p.key))
    people_csv.seek(0)
    identifiers_csv.seek(0)
    with conn, conn.cursor() as cur:
        cur.copy_expert("COPY people (id, first_name, last_name, email, phone) FROM STDIN "
                        "WITH (FORMAT csv)", people_csv)
        cur.copy_expert("COPY person_identifiers (kind, value, person_id) FROM STDIN "
                        "WITH (FORMAT csv)", identifiers_csv)
        cur.execute("SELECT setval(pg_get_serial_sequence('people', 'id'), "
                    "(SELECT max(id) FROM people))")
        cur.execute("ANALYZE people; ANALYZE person_identifiers")


def insert_event(conn, start_at: datetime) -> None:
    """The one event the guest list belongs to."""
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO events (luma_event_id, name, start_at, end_at, timezone) "
                    "VALUES (%s, %s, %s, %s, 'America/New_York')",
                    (EVENT_ID, EVENT_NAME, start_at, start_at + timedelta(hours=3)))


# -- generating the guest list ---------------------------------------------------------------------

def written_email(draw: Draw, email: str, noise: list[str]) -> str:
    """An email as the guest typed it: sometimes another case, sometimes with spaces around."""
    if draw.chance(RATE["email_case"]):
        noise.append("email_case")
        email = draw.rng.choice([email.upper(), email.title(), email[0].upper() + email[1:]])
    if draw.chance(RATE["email_spaces"]):
        noise.append("email_spaces")
        email = draw.rng.choice([" ", "  ", ""]) + email + draw.rng.choice([" ", "\t", "  "])
    return email


def written_phone(draw: Draw, e164: str | None, noise: list[str]) -> str:
    """A phone as the guest typed it, in one of the usual US formats; '' when left out."""
    if e164 is None or draw.chance(RATE["phone_missing"]):
        noise.append("phone_missing")
        return ""
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    style = draw.pick(PHONE_FORMATS)
    if style != "e164":
        noise.append(f"phone_{style}")
    return {"e164": e164, "paren": f"({area}) {exchange}-{line}", "dots": f"{area}.{exchange}.{line}",
            "plus1_spaced": f"+1 {area} {exchange} {line}"}[style]


def typo(draw: Draw, name: str) -> str:
    """The name with one letter dropped, doubled, swapped with the next or replaced (never the
    first letter, which people rarely get wrong)."""
    if len(name) < 4:
        return name
    i = draw.rng.randrange(1, len(name) - 1)
    kind = draw.rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return name[:i] + name[i + 1:]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    letter = draw.rng.choice([c for c in string.ascii_lowercase if c != name[i].lower()])
    return name[:i] + letter + name[i + 1:]


def written_name(draw: Draw, person: Person, noise: list[str], known: bool) -> tuple[str, str]:
    """(first, last) as the guest typed them: nickname, typo (known people only), accents dropped."""
    first, last = person.first, person.last
    if known and first in NICKNAMES and draw.chance(RATE["nickname"]):
        noise.append("nickname")
        first = draw.rng.choice(NICKNAMES[first])
    if known and draw.chance(RATE["typo"]):
        if draw.rng.random() < 0.5:
            noise.append("typo_first")
            first = typo(draw, first)
        else:
            noise.append("typo_last")
            last = typo(draw, last)
    if ascii_name(first + last) != first + last and draw.chance(RATE["accents_dropped"]):
        noise.append("accents_dropped")
        first, last = ascii_name(first), ascii_name(last)
    return first, last


def registration(draw: Draw, start_at: datetime, after: datetime | None = None) -> tuple:
    """(registered at, status, checked in at) for one registration."""
    earliest = after or start_at - timedelta(days=30)
    span = max(2.0, (start_at - earliest).total_seconds() - 1800)  # the first registration ends 30 min before
    created = earliest + timedelta(seconds=draw.rng.uniform(1, span))
    status = draw.pick(STATUSES)
    checked = (start_at + timedelta(seconds=draw.rng.uniform(-1800, 7200))
               if status == "approved" and draw.chance(RATE["checked_in"]) else None)
    return created, status, checked


def guest_row(draw: Draw, person: Person, start_at: datetime, noise: list[str], email: str,
              phone: str, known: bool, after: datetime | None = None) -> Row:
    """One row of `person` with the given email and phone and a noisy name."""
    first, last = written_name(draw, person, noise, known)
    name_only = draw.chance(RATE["name_only"])
    if name_only:
        noise.append("name_only")
    return Row(draw.token("gst-"), person.key, first, last, written_email(draw, email, noise), phone,
               *registration(draw, start_at, after), name_only=name_only, noise=noise)


def known_row(draw: Draw, person: Person, start_at: datetime) -> Row:
    """A row of a person already in the people table."""
    noise = []
    if draw.chance(RATE["new_email"]):
        noise.append("new_email")
        email = draw.email(person.first, person.last)
    elif len(person.emails) > 1 and draw.chance(RATE["use_second_email"]):
        noise.append("second_email_on_file")
        email = person.emails[1]
    else:
        email = person.emails[0]
    if person.phone is None and draw.chance(RATE["phone_new"]):
        noise.append("phone_new")
        phone = written_phone(draw, draw.phone(), noise)
    else:
        if person.phone is None:
            noise.append("no_phone_on_file")
        phone = written_phone(draw, person.phone, noise)
    return guest_row(draw, person, start_at, noise, email, phone, known=True)


def new_person_rows(draw: Draw, person: Person, start_at: datetime, twice: bool) -> list[Row]:
    """The rows of a person not yet known: one registration, or two with slightly different data."""
    noise = ["new_person"]
    first = guest_row(draw, person, start_at, noise, person.emails[0],
                      written_phone(draw, person.phone, noise), known=False)
    if not twice:
        return [first]
    noise = ["second_registration"]
    variant = draw.pick(SECOND_REGISTRATION)
    if variant == "other_email_same_phone" and not person.phone:
        variant = "other_email_no_phone"
    noise.append(variant)
    email = person.emails[0] if variant == "same_email" else draw.email(person.first, person.last)
    phone = "" if variant == "other_email_no_phone" else written_phone(draw, person.phone, noise)
    if variant == "other_email_same_phone" and not phone:
        phone = person.phone  # this variant is about reaching the person through the phone
    return [first, guest_row(draw, person, start_at, noise, email, phone, known=True,
                             after=first.created_at)]


def namesake_name(draw: Draw, held: set[str]) -> tuple[str, str]:
    """A name some known person already has, drawn as names are drawn (a common name is far more
    likely to be shared than a rare one, as in life)."""
    for _ in range(1000):
        first, last = draw.name()
        if f"{fold_name(first)} {fold_name(last)}" in held:
            return first, last
    return draw.name()


def make_rows(draw: Draw, people: list[Person], n_rows: int, start_at: datetime) -> tuple[list[Row], list[Person]]:
    """The guest list's rows in registration order, and the new people behind them."""
    known = draw.rng.sample(people, min(len(people), round(n_rows * RATE["known"])))
    rows = [known_row(draw, p, start_at) for p in known]
    held = set(full_name_holders(people))
    newcomers: list[Person] = []
    while len(rows) < n_rows:
        key = -(len(newcomers) + 1)
        if draw.chance(RATE["namesake"]):
            person = draw.person(key, *namesake_name(draw, held))
            person.namesake = True
        else:
            person = draw.person(key)
        newcomers.append(person)
        twice = len(rows) + 2 <= n_rows and draw.chance(RATE["register_twice"])
        rows += new_person_rows(draw, person, start_at, twice)
    rows.sort(key=lambda r: r.created_at)
    return rows, newcomers


def write_csv(path: Path, rows: list[Row], draw: Draw) -> None:
    """The guest list in Luma's export format: UTF-8 with BOM, CRLF, the 35-column header."""
    ticket_type = draw.token("evtticktyp-")
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            values = {"guest_id": row.guest_id, "name": f"{row.first} {row.last}",
                      "first_name": "" if row.name_only else row.first,
                      "last_name": "" if row.name_only else row.last,
                      "email": row.email, "phone_number": row.phone,
                      "created_at": format_instant(row.created_at), "approval_status": row.status,
                      "checked_in_at": format_instant(row.checked_in_at),
                      "qr_code_url": f"https://luma.com/check-in/{EVENT_ID}?pk={draw.token('g-')}"}
            if row.status not in ("invited", "declined"):
                values.update(amount="$0.00", amount_tax="$0.00", amount_discount="$0.00",
                              currency="usd", ticket_type_id=ticket_type, ticket_name="General Admission")
            writer.writerow([values.get(c, "") for c in EXPORT_COLUMNS])


# -- running the importer --------------------------------------------------------------------------



def run_importer(csv_path: Path, database_url: str, csv_dir: Path) -> tuple[int, float]:
    """import_luma_attendance.main on the file, in-process: (exit code, seconds for the whole call)."""
    os.environ.update({"DATABASE_URL": database_url, "CSV_DIR": str(csv_dir), "LOG_LEVEL": "WARNING"})
    started = time.perf_counter()
    code = import_luma_attendance.main([str(csv_path)])
    return code, time.perf_counter() - started


# -- scoring ---------------------------------------------------------------------------------------

def predicted_people(conn, rows: list[Row]) -> tuple[list[int], dict[str, str], dict]:
    """The person each row was put with, the match_method of each attendance row (by guest id), and
    checks of the method.

    A row collapsed into another row of the same person has no attendance row of its own, so each
    row's person is read through its email instead: every row carries an email, the cascade tries
    the email first, so a row whose email was known went to that email's owner, and a row whose
    email was new had it attached to the person it went to (nobody owned it yet). Either way the
    row's normalised email now points at that row's person in person_identifiers. The attendance
    rows (which name their guest id) are used to check that the two ways agree."""
    emails = [normalize_email(r.email) for r in rows]
    with conn.cursor() as cur:
        cur.execute("SELECT value, person_id FROM person_identifiers "
                    "WHERE kind = 'email' AND value = ANY(%s)", (list(set(emails)),))
        by_email = dict(cur.fetchall())
        cur.execute("SELECT luma_guest_id, person_id, match_method FROM attendance")
        attendance = {g: (p, m) for g, p, m in cur}
    predicted = [by_email.get(e, 0) for e in emails]
    checks = {"attendance rows": len(attendance), "no email owner": predicted.count(0),
              "disagree": sum(1 for r, p in zip(rows, predicted)
                              if r.guest_id in attendance and attendance[r.guest_id][0] != p)}
    return predicted, {g: m for g, (p, m) in attendance.items()}, checks


def pairwise(predicted: list[int], truth: list[int]) -> tuple[float, float, int, int, int]:
    """Pairwise precision and recall from the contingency table: (precision, recall, true-positive
    pairs, predicted pairs, true pairs)."""
    def pairs(counts) -> int:
        """Pairs within groups of these sizes: Σ C(n, 2)."""
        return sum(c * (c - 1) // 2 for c in counts)
    tp = pairs(Counter(zip(predicted, truth)).values())
    pp, tt = pairs(Counter(predicted).values()), pairs(Counter(truth).values())
    return (tp / pp if pp else 1.0), (tp / tt if tt else 1.0), tp, pp, tt


@dataclass
class Outcome:
    """How the rows fared against the truth."""

    false_merges: list[tuple[Row, int, str]] = field(default_factory=list)  # (row, person, method)
    follow_ons: Counter = field(default_factory=Counter)  # method → false merges that only followed
    # an earlier row of the same guest (a second registration reaching the wrong person by email)
    misses: list[tuple[Row, int]] = field(default_factory=list)  # (row of a known person, new person)
    split_twice: int = 0  # new people who registered twice and became two people
    review: tuple[int, int] = (0, 0)  # review items, of which truly the same person


def classify(rows: list[Row], predicted: list[int], methods: dict[str, str], n_people: int) -> Outcome:
    """False merges (a row put with someone it is not) and missed matches (a known person's row
    that became a new person). Among people created in this run, the identity holding most of a
    person's rows is taken as that person's own."""
    outcome = Outcome()
    owner = _majority_truth(rows, predicted, n_people)
    by_truth: dict[int, set[int]] = defaultdict(set)
    for row, person in zip(rows, predicted):  # in file order, the order the importer matches in
        method = methods.get(row.guest_id, "collapsed (method not recorded)")
        right = person if person <= n_people else owner[person]
        if row.truth != right:
            outcome.false_merges.append((row, person, method))
            if person in by_truth[row.truth]:
                outcome.follow_ons[method] += 1
        by_truth[row.truth].add(person)
        if row.truth > 0 and person > n_people:
            outcome.misses.append((row, person))
    outcome.split_twice = sum(1 for t, ps in by_truth.items() if t < 0 and len(ps) > 1)
    return outcome


def _majority_truth(rows: list[Row], predicted: list[int], n_people: int) -> dict[int, int]:
    """For each person created in this run, the true identity holding most of its rows."""
    votes: dict[int, Counter] = defaultdict(Counter)
    for row, person in zip(rows, predicted):
        if person > n_people:
            votes[person][row.truth] += 1
    return {person: c.most_common(1)[0][0] for person, c in votes.items()}


# -- reporting -------------------------------------------------------------------------------------

def print_generation(people: list[Person], newcomers: list[Person], rows: list[Row],
                     holders: dict[str, list[int]]) -> None:
    """What was generated: name sharing, the noise rates and how often each noise occurred."""
    shared = [ids for ids in holders.values() if len(ids) > 1]
    print(f"people: {len(people):,}; distinct full names {len(holders):,}; names held by 2+ different "
          f"people: {len(shared):,} ({sum(map(len, shared)):,} people, "
          f"{sum(map(len, shared)) / len(people):.1%}); most people with one name: "
          f"{max(map(len, holders.values()), default=0)}")
    holders_of = [len(holders.get(f"{fold_name(p.first)} {fold_name(p.last)}", [])) for p in newcomers]
    print(f"new people: {len(newcomers):,}; sharing their full name with known people: "
          f"{sum(1 for h in holders_of if h):,} (given a known person's name on purpose: "
          f"{sum(p.namesake for p in newcomers):,}); with exactly one known holder: "
          f"{sum(1 for h in holders_of if h == 1):,}")
    print("generation rates:")
    for label, rate in RATES.items():
        print(f"  {rate:>5.0%}  {label}")
    counts = Counter(tag for r in rows for tag in r.noise)
    print("noise in the file (rows carrying it): " + ", ".join(f"{k}={v:,}" for k, v in sorted(counts.items())))


def print_nickname_coverage() -> None:
    """Which of the nickname table's pairs the matcher takes for the same first name."""
    pairs = [(nick, name) for name, nicks in NICKNAMES.items() for nick in nicks]
    unknown = [f"{n}→{c}" for n, c in pairs if not same_first_name(fold_name(n), fold_name(c))]
    print(f"nickname pairs the matcher knows: {len(pairs) - len(unknown)} of {len(pairs)}"
          + (f"; not known: {', '.join(unknown)}" if unknown else ""))


def describe(row: Row) -> str:
    """A guest row as written."""
    return f"{row.first} {row.last} <{row.email.strip()}> {row.phone or '(no phone)'} [{', '.join(row.noise)}]"


def describe_person(person_id: int, people: list[Person]) -> str:
    """A known person as stored, or a person created in this run."""
    if 0 < person_id <= len(people):
        p = people[person_id - 1]
        return f"person {person_id} {p.first} {p.last} <{', '.join(p.emails)}> {p.phone or '(no phone)'}"
    return f"new person {person_id}"


def print_breakdown(conn, rows: list[Row], outcome: Outcome, people: list[Person],
                    holders: dict[str, list[int]], examples: int) -> None:
    """What helps tuning: methods, false merges by method, misses by noise, the review queue."""
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(match_method, '?'), count(*) FROM attendance GROUP BY 1 ORDER BY 2 DESC")
        print("attendance match_method: " + ", ".join(f"{m}={n:,}" for m, n in cur.fetchall()))
    by_method = Counter(m for _, _, m in outcome.false_merges)
    into_known = sum(1 for _, p, _ in outcome.false_merges if p <= len(people))
    print(f"false merges (rows put with a person they are not): {len(outcome.false_merges):,} "
          f"(into a known person: {into_known:,}; into a person new in this run: "
          f"{len(outcome.false_merges) - into_known:,}); by match_method: "
          + (", ".join(f"{m}={n:,}" for m, n in by_method.most_common()) or "none"))
    if outcome.follow_ons:
        print(f"  of which follow-ons (an earlier row of the same guest was already put there): "
              f"{sum(outcome.follow_ons.values()):,} ("
              + ", ".join(f"{m}={n:,}" for m, n in outcome.follow_ons.most_common()) + ")")
    fm_kinds = Counter("row of a new person" if r.truth < 0 else "row of another known person"
                       for r, _, _ in outcome.false_merges)
    print("  false-merged rows were: " + (", ".join(f"{k}={n:,}" for k, n in fm_kinds.items()) or "none"))
    print_misses(outcome, people, holders)
    print(f"new people who registered twice and became two people: {outcome.split_twice:,}")
    outcome.review = print_review(conn, rows, people)
    print_examples(outcome, people, examples)


def print_misses(outcome: Outcome, people: list[Person], holders: dict[str, list[int]]) -> None:
    """Missed matches counted per noise kind and per combination of noise."""
    def tags(row: Row) -> list[str]:
        """The row's noise (phone formats left out) and whether its true name is shared."""
        person = people[row.truth - 1]
        held = len(holders[f"{fold_name(person.first)} {fold_name(person.last)}"])
        return [t for t in row.noise if not t.startswith("phone_") or t in ("phone_missing", "phone_new")] + \
            ["name_unique" if held == 1 else "name_shared"]
    kinds = Counter(t for r, _ in outcome.misses for t in tags(r))
    combos = Counter("+".join(tags(r)) for r, _ in outcome.misses)
    print(f"missed matches (a known person's row that became a new person): {len(outcome.misses):,}")
    print("  per noise kind: " + (", ".join(f"{k}={n:,}" for k, n in kinds.most_common()) or "none"))
    for combo, n in combos.most_common(8):
        print(f"  {n:>6,}  {combo}")


def print_review(conn, rows: list[Row], people: list[Person]) -> tuple[int, int]:
    """The review queue: its size against the rows, its reasons, and how often the candidate is the
    guest's true person; returns (items, items truly the same person)."""
    with conn.cursor() as cur:
        cur.execute("SELECT guest->>'guest_id', candidate_person_id, reason "
                    "FROM match_review")
        items = cur.fetchall()
    truth = {r.guest_id: r.truth for r in rows}
    right = sum(1 for g, c, _ in items if truth.get(g) == c)
    print(f"review queue items: {len(items):,} ({len(items) / len(rows):.2%} of rows; SELECT count(*) FROM "
          f"match_review); truly the same person: {right:,} ({right / max(len(items), 1):.0%}); "
          f"a different person: {len(items) - right:,}")
    by_reason = Counter(reason for _, _, reason in items)
    right_by_reason = Counter(reason for g, c, reason in items if truth.get(g) == c)
    for reason, n in by_reason.most_common():
        print(f"  {n:>6,} items, {right_by_reason[reason]:,} truly the same person: {reason}")
    return len(items), right


def print_examples(outcome: Outcome, people: list[Person], examples: int) -> None:
    """A few concrete failing cases."""
    if not examples:
        return
    shown = Counter()
    for row, person, method in outcome.false_merges:
        if shown[method] < examples:
            shown[method] += 1
            truth = describe_person(row.truth, people) if row.truth > 0 else "a new person"
            print(f"  FALSE MERGE via {method}: {describe(row)}\n      put with {describe_person(person, people)}"
                  f"\n      truly {truth}")
    for row, person in outcome.misses[:examples]:
        print(f"  MISSED: {describe(row)}\n      became new person {person}; truly "
              f"{describe_person(row.truth, people)}")


def verdict(label: str, value: float, target: float, fmt: str, at_most: bool = False) -> bool:
    """Print a figure beside its target (a minimum, or a maximum `at_most`); True when it is met."""
    met = value <= target if at_most else value >= target
    print(f"{label:<24} {format(value, fmt):>12}   target {'≤' if at_most else '≥'} {format(target, fmt):<10} "
          f"{'ok' if met else 'MISSED'}")
    return met


# -- main ------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000, help="known people (default 100000)")
    parser.add_argument("--rows", type=int, default=20_000, help="guest-list rows (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--examples", type=int, default=4, help="failing cases shown per kind (default 4)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (and the scratch database) and print where")
    args = parser.parse_args(argv)
    if args.people < 1 or args.rows < 1:
        parser.error("--people and --rows must be at least 1")
    return args



@dataclass
class Generated:
    """The generated data, the guest list's path, and how long generating took."""

    people: list[Person]
    rows: list[Row]
    newcomers: list[Person]
    holders: dict[str, list[int]]
    start_at: datetime
    csv_path: Path
    seconds: float


def generate(args: argparse.Namespace, tmp: Path) -> Generated:
    """The people, the guest list (written under tmp/csv) and what they say about themselves."""
    started = time.perf_counter()
    draw = Draw(args.seed)
    start_at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=10)
    people = make_people(draw, args.people)
    rows, newcomers = make_rows(draw, people, args.rows, start_at)
    csv_path = tmp / "csv" / guest_csv_name(EVENT_ID, EVENT_NAME, start_at + timedelta(days=1))
    csv_path.parent.mkdir(parents=True)
    write_csv(csv_path, rows, draw)
    data = Generated(people, rows, newcomers, full_name_holders(people), start_at, csv_path,
                     time.perf_counter() - started)
    print_generation(people, newcomers, rows, data.holders)
    print_nickname_coverage()
    return data


def prepare(conn, data: Generated, where: str, started: float) -> None:
    """Apply the schema, COPY the people in, add the event; print how long each part took."""
    apply_schema(conn)
    ready = time.perf_counter() - started
    load_people(conn, data.people)
    insert_event(conn, data.start_at)
    loaded = time.perf_counter() - started - ready
    print(f"generated {len(data.people):,} people and {len(data.rows):,} rows in {data.seconds:.1f} s; "
          f"database ({where}) ready in {ready:.1f} s; people loaded (COPY) in {loaded:.1f} s")


def score(conn, data: Generated, examples: int) -> tuple[float, float, bool, tuple[int, int]]:
    """Pairwise precision and recall over known people + rows, the breakdown, and whether the
    per-row people were read back consistently."""
    predicted, methods, checks = predicted_people(conn, data.rows)
    print(f"per-row person read through the row's email; attendance rows {checks['attendance rows']:,}, "
          f"disagreeing with it: {checks['disagree']}; rows whose email nobody owns: {checks['no email owner']}")
    known = [p.key for p in data.people]  # each known person is its own true and predicted cluster
    precision, recall, tp, pp, tt = pairwise(known + predicted, known + [r.truth for r in data.rows])
    print(f"pairs over {len(known) + len(data.rows):,} elements (known people + rows): "
          f"true positive {tp:,}, predicted {pp:,}, true {tt:,}")
    outcome = classify(data.rows, predicted, methods, len(data.people))
    print_breakdown(conn, data.rows, outcome, data.people, data.holders, examples)
    return precision, recall, checks["disagree"] == 0 and checks["no email owner"] == 0, outcome.review


def main(argv: list[str] | None = None) -> int:
    """Generate, load, import, score; 0 when every target is met, else 1."""
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="import-bench-"))
    if not args.keep:  # registered first, so it runs after the embedded server has stopped
        atexit.register(shutil.rmtree, tmp, True)
    data = generate(args, tmp)
    started = time.perf_counter()
    url, where = database_for(tmp, args.keep, "import_bench")
    conn = psycopg2.connect(url)
    try:
        prepare(conn, data, where, started)
        code, seconds = run_importer(data.csv_path, url, tmp / "csv")
        print(f"import_luma_attendance exit code {code}; {len(data.rows):,} rows in {seconds:.2f} s")
        precision, recall, consistent, (items, truly) = score(conn, data, args.examples)
    finally:
        conn.close()
    if args.keep:
        print(f"kept: {tmp}; database: {where}")
    print()
    ok = [verdict("rows/s end to end", len(data.rows) / seconds, TARGET_ROWS_PER_S, ",.0f"),
          verdict("pairwise precision", precision, TARGET_PRECISION, ".4f"),
          verdict("pairwise recall", recall, TARGET_RECALL, ".4f"),
          verdict("review items / rows", items / len(data.rows), TARGET_REVIEW_SHARE, ".2%", at_most=True),
          verdict("review truly the same", truly / max(items, 1), TARGET_REVIEW_TRUE, ".0%")]
    if code != 0 or not consistent:
        print("the import failed or the per-row people could not be read back consistently")
    return 0 if all(ok) and code == 0 and consistent else 1


if __name__ == "__main__":
    sys.exit(main())
