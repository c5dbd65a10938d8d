"""The person-matching cascade and the cleaners under it (pure: no database)."""
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luma_pipeline.importing.demographics import (
    class_year_from_answer,
    demographics,
    field_of_question,
    gender_from_answer,
)
from luma_pipeline.importing.identity import (
    email_local_part,
    fold_name,
    local_parts_agree,
    normalize_email,
    normalize_phone,
    same_first_name,
    split_name,
)
from luma_pipeline.importing.matching import Guest, PeopleIndex, match_guest

# The known community: id → (name, emails, phones)
PEOPLE = {
    1: ("Ann Lee", ["ann@example.com"], ["+16175550100"]),
    2: ("John Smith", ["jsmith@example.com", "bluejay@example.com"], []),
    3: ("Robert Jones", ["rjones@example.com"], ["+16175550111"]),
    4: ("Maria Garcia", ["maria1@example.com"], []),
    5: ("Maria Garcia", ["maria2@example.com"], []),
    6: ("José Álvarez", ["jose@example.com"], []),
    7: ("Samantha Williams", ["sam@example.com"], []),
    8: ("Joan Parker", ["joan@example.com"], []),
    9: ("Chris Taylor", ["ct1@example.com"], []),
    10: ("Christopher Taylor", ["ct2@example.com"], []),
    11: ("Søren Østergaard", ["soren@example.com"], []),
    12: ("Dana Hunt", ["dana@example.com"], []),
    13: ("Priya Williams", ["priya@example.com"], []),
    14: ("Teagan Morris", ["teagan@example.com"], []),
    15: ("Cher", ["cher.sings@example.com"], []),
    16: ("Wei Zhang", ["sunflower88@example.com"], []),
    17: ("Jon Li", ["jl@example.com"], []),
    18: ("Sabrina Wilkes", ["bluebird77@example.com"], []),
}
SCHOOLS = {17: "mit", 3: "tufts"}
TRAITS = {2: ("male", 2027)}  # what John Smith's registration answers said


def build_index() -> PeopleIndex:
    index = PeopleIndex()
    for person_id, (name, emails, phones) in PEOPLE.items():
        first, last = split_name(name)
        index.add_person(person_id, fold_name(first), fold_name(last), *TRAITS.get(person_id, (None, None)),
                         SCHOOLS.get(person_id))
        for email in emails:
            index.add_identifier("email", email, person_id)
        for phone in phones:
            index.add_identifier("phone", phone, person_id)
    return index


def guest(name="", email=None, phone=None, user_id=None, gender=None, class_year=None, school=None,
          first=None, last=None) -> Guest:
    if first is None:
        first, last = split_name(name)
    return Guest(user_id=user_id, email=normalize_email(email), phone=normalize_phone(phone),
                 first=fold_name(first), last=fold_name(last), gender=gender, class_year=class_year,
                 school=school)


@pytest.mark.parametrize("row, person, method", [
    (guest("A. Nonymous", email="  ANN@Example.COM "), 1, "email"),
    (guest("Ann Lee", email="ann.lee@work.example", phone="(617) 555-0100"), 1, "phone"),
    (guest("Someone", phone="(617) 555-0100"), 1, "phone"),
    (guest("Someone", phone="617.555.0100"), 1, "phone"),
    (guest("Someone", phone="+1 617 555 0100"), 1, "phone"),
    (guest("Jose Alvarez", email="new@example.com"), 6, "name"),
    (guest("JOSÉ  álvarez"), 6, "name"),
    (guest("Jon Smith", email="jon@example.com"), 2, "fuzzy_name"),
    (guest("Bob Jones", email="bob@example.com"), 3, "fuzzy_name"),
    (guest("Samanta Williams"), 7, "fuzzy_name"),
    (guest("Samantha Wiliams"), 7, "fuzzy_name"),
    (guest("Soren Ostergaard"), 11, "name"),
    (guest("John Smith", gender="male", class_year=2027), 2, "name"),
], ids=["letters without a separate accent (ø)", "traits that agree",
        "email case and spaces", "second email reached through the phone", "phone (617) 555-0100",
        "phone 617.555.0100", "phone +1 617 555 0100", "accents folded", "accents and spacing",
        "Jon Smith is John Smith", "Bob Jones is Robert Jones", "typo in first name",
        "typo in last name"])
def test_guest_is_found(row, person, method):
    found = match_guest(row, build_index())
    assert (found.person_id, found.method) == (person, method)
    assert found.review == []


@pytest.mark.parametrize("row, person", [
    (guest("Zhang Wei", email="sunflower88@gmail.com"), 16),
    (guest(first="", last="Zhang", email="sunflower88@gmail.com"), 16),
    (guest("Jno Li", school="mit"), 17),
    (guest("Sabrnia Wilkse", email="bluebird77@school.edu"), 18),
    (guest("Bob Jonse", email="bob@example.com", school="tufts"), 3),
    (guest("Cher", email="cher.sings@gmail.com"), 15),
], ids=["first and last name swapped, the same handle", "no first name, the same handle",
        "a short name with two letters swapped, the same school", "typos in both names, the same handle",
        "a nickname and a last-name typo, the same school", "one word, the same handle"])
def test_loose_names_are_taken_when_other_evidence_agrees(row, person):
    found = match_guest(row, build_index())
    assert found.person_id == person
    assert found.review == []


def test_loose_names_without_evidence_are_new_people():
    for row in (guest("Zhang Wei"), guest(first="", last="Zhang"), guest("Jno Li"),
                guest("Sabrnia Wilkse"), guest("Cher")):
        assert match_guest(row, build_index()).person_id is None


def test_a_wrong_name_match_does_not_spread_through_the_phone_it_attached():
    index = build_index()
    index.add_identifier("phone", "+12125550123", 12)  # a name match gave Dana Hunt this phone
    index.by_name_match.add(("phone", "+12125550123"))
    assert match_guest(guest("Zed Quux", phone="+1 212 555 0123"), index).person_id is None
    assert match_guest(guest("Dana Hunt", phone="+1 212 555 0123"), index).method == "phone"


@pytest.mark.parametrize("nickname, name", [
    ("Katie", "Katherine"), ("Kate", "Catherine"), ("Kat", "Katherine"), ("Robbie", "Robert"),
    ("Izzy", "Isabella"), ("Nat", "Natalie"), ("Nat", "Nathan"), ("Xander", "Alexander"),
    ("Lexi", "Alexandra"), ("Sasha", "Alexandra"), ("Nell", "Eleanor"), ("Nell", "Helen"),
    ("Terri", "Theresa"),
])
def test_nicknames_the_dataset_lacks_come_from_the_data_file(nickname, name):
    assert same_first_name(fold_name(nickname), fold_name(name))


def test_luma_user_id_wins_over_everything():
    index = build_index()
    index.add_identifier("luma_user_id", "usr-abc", 4)
    found = match_guest(guest("Ann Lee", email="ann@example.com", user_id="usr-abc"), index)
    assert (found.person_id, found.method) == (4, "luma_user_id")


@pytest.mark.parametrize("row, reason, candidates", [
    (guest("John Smith", gender="female", email="bluejay@work.example"),
     "name matches but the gender differs (evidence: a close email local part)", [2]),
    (guest("Maria Garcia", email="maria3@example.com"), "several people have this name", [4, 5]),
    (guest("Ann Lee", email="other@example.com", phone="+1 617 555 0199"),
     "name matches but the phone differs", [1]),
    (guest("Bob Jones", phone="+1 617 555 0199"),
     "fuzzy_name matches but the phone differs", [3]),
    (guest("Bob Jonse", email="bob@example.com"),
     "fuzzy_name matches but the first name is a nickname and the last name has a typo", [3]),
], ids=["a different gender with a shared handle is asked about", "two people of the same name",
        "a phone of the same exchange makes an exact name unsure",
        "a phone of the same exchange makes a fuzzy name unsure", "a nickname and a last-name typo"])
def test_unsure_match_becomes_a_new_person_with_review_items(row, reason, candidates):
    found = match_guest(row, build_index())
    assert (found.person_id, found.method) == (None, "new")
    assert [(c.person_id, c.reason) for c in found.review] == [(p, reason) for p in candidates]


def test_a_rare_name_twice_on_one_guest_list_is_one_person_registering_twice():
    found = match_guest(guest("Ann Lee", email="ann.other@example.com"), build_index(), same_list={1})
    assert (found.person_id, found.method) == (1, "name")


@pytest.mark.parametrize("row", [
    guest("Dana Hunter"),       # Hunter is another surname, not a typo of Hunt
    guest("Priya Williamson"),
    guest("Jon Parker"),        # Joan is a different name, not a typo
    guest("Mary Smith"),
    guest("Zed Quux", email="zed@example.com"),
    guest("Madonna"),           # one word: too little to guess from
    guest("John Smith", gender="female"),
    guest("John Smith", class_year=2025),
    guest("Ann Lee", phone="+1 212 555 0199"),   # a phone of another area: someone else
    guest("Bob Jones", phone="+1 212 555 0199"),
    guest("Tegan Morris"),      # Teagan is another name, not a typo
    guest("Cher", email="cher@example.com"),      # one word, and a person of that one word
], ids=["Hunter is not Hunt", "Williamson is not Williams", "Jon is not Joan", "Mary is not John",
        "stranger", "one-word name", "a different gender blocks a name",
        "a different class year blocks a name", "different phones block an exact name",
        "different phones block a fuzzy name", "Tegan is not Teagan", "one word alone is no match"])
def test_no_match_is_a_new_person_without_review(row):
    found = match_guest(row, build_index())
    assert (found.person_id, found.method, found.review) == (None, "new", [])


def test_phone_of_a_name_match_that_agrees_is_accepted():
    found = match_guest(guest("Ann Lee", email="ann2@example.com", phone=None), build_index())
    assert (found.person_id, found.method) == (1, "name")


def test_exact_name_is_taken_when_the_guest_has_no_phone_and_the_person_has_one():
    found = match_guest(guest("Robert Jones", email="rj2@example.com"), build_index())
    assert (found.person_id, found.method) == (3, "name")


def test_an_identifier_belongs_to_one_person():
    index = build_index()
    assert index.add_identifier("email", "ann@example.com", 2) is False
    assert index.owner("email", "ann@example.com") == 1


@pytest.mark.parametrize("text, expected", [
    ("(617) 555-0100", "+16175550100"), ("617.555.0100", "+16175550100"),
    ("+1 617 555 0100", "+16175550100"), ("+44 20 7946 0958", "+442079460958"),
    ("12", None), ("call me", None), ("", None),
])
def test_normalize_phone(text, expected):
    assert normalize_phone(text, "US") == expected


@pytest.mark.parametrize("text, expected", [
    (" Ann@Example.COM ", "ann@example.com"), ("not an email", None), ("@", None), (None, None),
    ("a@b@c", None), ("ann@", None), ("@example.com", None)])
def test_normalize_email(text, expected):
    assert normalize_email(text) == expected


@pytest.mark.parametrize("name, first, last, expected", [
    ("Cher", None, None, ("Cher", None)),
    ("Mary Ann van der Berg", None, None, ("Mary", "Ann van der Berg")),
    ("ignored", "Ada", "Lovelace", ("Ada", "Lovelace")),
    ("  ", "", "", (None, None)),
])
def test_split_name_keeps_a_one_word_name_as_first_name(name, first, last, expected):
    assert split_name(name, first, last) == expected


@pytest.mark.parametrize("label, field", [
    ("What is your gender?", "gender"), ("Pronouns", "gender"), ("Which school do you attend?", "school"),
    ("University", "school"), ("College / institution", "school"), ("Class year", "class_year"),
    ("Graduation year", "class_year"), ("What year are you? (e.g. Junior, Senior)", "class_year"),
    ("What year are you in school?", "class_year"), ("Are you from Essex?", None),
    ("How did you hear about us?", None),
])
def test_field_of_question(label, field):
    assert field_of_question(label) == field


def test_an_organiser_can_extend_the_question_words():
    assert field_of_question("Which dorm are you in?", [("which dorm", "school")]) == "school"


@pytest.mark.parametrize("answer, expected", [
    ("Woman", "female"), ("female", "female"), ("she/her", "female"), ("F", "female"),
    ("Man", "male"), ("he/him", "male"), ("Non-binary", "non-binary"), ("they/them", "non-binary"),
    ("Prefer not to say", None), ("Two-spirit", "two-spirit"), ("", None),
])
def test_gender_from_answer(answer, expected):
    assert gender_from_answer(answer) == expected


OCTOBER_2025 = datetime(2025, 10, 15, tzinfo=timezone.utc)  # academic year 2025-26
MARCH_2026 = datetime(2026, 3, 15, tzinfo=timezone.utc)     # the same academic year


@pytest.mark.parametrize("answer, when, expected", [
    ("2027", OCTOBER_2025, 2027), ("Class of 2027", OCTOBER_2025, 2027), ("'27", OCTOBER_2025, 2027),
    ("Junior", OCTOBER_2025, 2027), ("Junior", MARCH_2026, 2027), ("Senior", OCTOBER_2025, 2026),
    ("Freshman", OCTOBER_2025, 2029), ("Sophomore", MARCH_2026, 2028), ("Grad student", OCTOBER_2025, None),
])
def test_class_year_from_answer(answer, when, expected):
    assert class_year_from_answer(answer, when) == expected


def test_demographics_from_answers():
    answers = {"What is your gender?": "Woman", "Which school do you attend?": "  State   University ",
               "Class year": "Junior", "Favourite colour?": "green"}
    assert demographics(answers, OCTOBER_2025) == {"gender": "female", "school": "State University",
                                                   "school_raw": "State University", "class_year": 2027}


handles = st.text(alphabet="abcdefghij0123456789._-", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(handles, handles, st.sampled_from(["ann", "bob", "robert"]), st.sampled_from(["lee", "smith"]))
def test_email_local_parts_agree_both_ways_and_ignore_separators_and_tags(a, b, first, last):
    left, right = email_local_part(f"{a}+events@x.example"), email_local_part(f"{b}@y.example")
    assert local_parts_agree(left, right, first, last) == local_parts_agree(right, left, first, last)
    assert email_local_part(f"{a}@x") == email_local_part(f"{a.replace('.', '')}+tag@y")
    assert not local_parts_agree(email_local_part(f"{first}.{last}@x"), email_local_part(f"{first}{last}@y"),
                                 first, last)  # the name as anyone writes it
