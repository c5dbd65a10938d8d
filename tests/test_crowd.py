"""The simulated crowd: a large community with one noisy guest list and the truth beside it."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timezone

import pytest

from luma_pipeline.importing.identity import normalize_email, normalize_phone
from luma_pipeline.luma.entries import guest_from_entry
from luma_pipeline.luma.guest_csv import guest_csv_name, open_guest_csv, write_guest_csv
from luma_pipeline.simulated_luma.crowd import RATE, generate_crowd, one_letter_typo
from luma_pipeline.simulated_luma.names import NICKNAMES, ascii_name, name_model
from luma_pipeline.simulated_luma.payloads import guest_current

ANCHOR = datetime(2026, 11, 21, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def crowd():
    """Large enough for the rates to be measurable."""
    return generate_crowd(3, n_people=20_000, n_records=8_000, anchor=ANCHOR)


def records_with(crowd, tag):
    return [g for g in crowd.event.guests if tag in crowd.noise[g.id]]


def test_same_seed_gives_the_same_crowd_and_another_seed_does_not():
    first = generate_crowd(5, n_people=300, n_records=100, anchor=ANCHOR)
    assert first == generate_crowd(5, n_people=300, n_records=100, anchor=ANCHOR)
    assert generate_crowd(6, n_people=300, n_records=100, anchor=ANCHOR).people != first.people


def test_sizes_and_the_truth_behind_every_record(crowd):
    guests = crowd.event.guests
    assert len(guests) == 8_000 and crowd.known == 20_000
    assert all(0 <= g.person < len(crowd.people) for g in guests)
    known_share = sum(g.person < crowd.known for g in guests) / len(guests)
    assert known_share == pytest.approx(RATE["known"], abs=0.005)
    per_new_person = Counter(g.person for g in guests if g.person >= crowd.known)
    assert set(per_new_person) == set(range(crowd.known, len(crowd.people)))  # every new person comes
    assert set(per_new_person.values()) == {1, 2}  # once, or twice when registering again


def test_records_are_in_registration_order_and_carry_no_luma_user_id(crowd):
    times = [g.registered_at or g.invited_at for g in crowd.event.guests]
    assert times == sorted(times)
    assert all(g.user_id is None for g in crowd.event.guests)


def test_a_known_persons_record_uses_an_email_and_phone_of_theirs_unless_its_noise_says_otherwise(crowd):
    for g in crowd.event.guests:
        noise, person = crowd.noise[g.id], crowd.people[g.person]
        if g.person < crowd.known and "new_email" not in noise:
            assert normalize_email(g.email) in person.emails
        if g.person < crowd.known and g.phone_number and "phone_new" not in noise:
            assert normalize_phone(g.phone_number) == person.phone


@pytest.mark.parametrize("tag, among, rate", [
    ("nickname", "known rows whose first name has a nickname", RATE["nickname"]),
    ("typo", "known rows", RATE["typo"]),
    ("email_case", "rows", RATE["email_case"]),
    ("name_only", "rows", RATE["name_only"]),
    ("new_email", "known rows", RATE["new_email"]),
], ids=["nickname", "typo", "email case", "name only", "new email"])
def test_noise_rates(crowd, tag, among, rate):
    rows = [g for g in crowd.event.guests if "second_registration" not in crowd.noise[g.id]]
    if among.startswith("known"):
        rows = [g for g in rows if g.person < crowd.known]
    if "nickname" in among:
        rows = [g for g in rows if crowd.people[g.person].first in NICKNAMES]
    hits = sum(1 for g in rows if any(t.startswith(tag) for t in crowd.noise[g.id]))
    assert hits / len(rows) == pytest.approx(rate, rel=0.25)


def test_name_only_rows_leave_first_and_last_blank(crowd):
    for g in records_with(crowd, "name_only"):
        assert (g.first_name, g.last_name) == ("", "") and g.name.strip()


def test_namesakes_are_new_people_with_a_known_persons_full_name(crowd):
    held = {(p.first, p.last) for p in crowd.people[:crowd.known]}
    namesakes = [p for p in crowd.people[crowd.known:] if p.namesake]
    assert len(namesakes) == pytest.approx(RATE["namesake"] * (len(crowd.people) - crowd.known), rel=0.25)
    assert all((p.first, p.last) in held for p in namesakes)


def test_about_a_fifth_of_a_community_of_100000_share_their_full_name_with_someone():
    model, rng = name_model(), random.Random(1)
    names = Counter(model.draw(rng) for _ in range(100_000))
    shared = sum(n for n in names.values() if n > 1)
    assert 0.18 < shared / 100_000 < 0.26


def test_typos_change_one_letter_but_never_the_first():
    rng = random.Random(2)
    for _ in range(200):
        typed = one_letter_typo(rng, "Katherine")
        assert typed != "Katherine" and typed[0] == "K" and abs(len(typed) - 9) <= 1
    assert one_letter_typo(rng, "Al") == "Al"


def test_dropped_accents_read_as_an_english_keyboard_writes_them():
    assert ascii_name("Søren Łukasiewicz") == "Soren Lukasiewicz"
    assert ascii_name("José Nguyễn") == "Jose Nguyen"


def test_the_guest_list_written_through_the_package_names_its_event(tmp_path):
    crowd = generate_crowd(4, n_people=200, n_records=60, anchor=ANCHOR)
    event = crowd.event
    path = tmp_path / guest_csv_name(event.id, event.name, ANCHOR)
    write_guest_csv(path, [guest_from_entry(guest_current(g, event)) for g in event.guests])
    with open_guest_csv(path) as file:
        rows = list(file.records)
    assert len(rows) == 60
    assert all(event.id in values["qr_code_url"] and values["user_id"] == "" for _, values in rows)
