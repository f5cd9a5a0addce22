"""Names that forgive spelling: skeletons of transliterations and Arabic script."""

from __future__ import annotations

import sqlite3

import pytest

from ledger.names import similar_names, skeleton


@pytest.fixture
def names_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(
        """
        CREATE TABLE entities (id TEXT PRIMARY KEY, name TEXT);
        CREATE TABLE aliases (entity_id TEXT, alias TEXT);
        CREATE TABLE places (id TEXT PRIMARY KEY, name TEXT, aliases TEXT);
        INSERT INTO entities VALUES
          ('muayad-al-harfoush', 'Muayad al-Harfoush'),
          ('hafu', 'Muhammad al-Masalma'),
          ('abu-salem', 'Abu Salem al-Iraqi'),
          ('osama-al-azizi', 'Osama al-Azizi'),
          ('activists', 'Activists (Daraa)');
        INSERT INTO aliases VALUES
          ('muayad-al-harfoush', 'Harfoush'), ('hafu', 'Hafu');
        INSERT INTO places VALUES
          ('jassim', 'Jassim', '["Jasim"]'), ('daraa', 'Daraa', '["Dar''a"]');
        """
    )
    return conn


@pytest.mark.parametrize(
    "spellings",
    [
        ("Harfoush", "Hurfush", "Harfush", "هرفوش"),
        ("Masalma", "Masalmeh", "Masalameh", "المسالمة"),
        ("Qaisi", "Kaisi", "قيسي"),
        ("Jassim", "Jasim", "جاسم"),
    ],
)
def test_spellings_of_one_name_share_a_skeleton(spellings):
    assert len({skeleton(s) for s in spellings}) == 1, [skeleton(s) for s in spellings]


@pytest.mark.parametrize("query", ["Hurfush", "Harfush", "هرفوش", "muayad hurfush"])
def test_variants_and_arabic_script_find_the_entity(names_db, query):
    best = similar_names(names_db, query)[0]
    assert (best.table, best.id) == ("entities", "muayad-al-harfoush")


def test_a_vowel_shift_is_forgiven_but_shared_consonants_alone_are_not(names_db):
    found = [m.id for m in similar_names(names_db, "Masalmeh")]
    assert found == ["hafu"]  # not "Abu Salem", whose consonants are a part of Masalma's


def test_places_are_found_and_the_closest_name_comes_first(names_db):
    assert [m.id for m in similar_names(names_db, "Jasim")] == ["jassim"]
    found = similar_names(names_db, "Deraa")
    assert [m.id for m in found][:2] == ["daraa", "activists"]
    assert found[0].spelling in {"Daraa", "Dar'a"}


def test_short_skeletons_must_match_exactly(names_db):
    # "Jassim" (jsm) is one letter from "Osama" (sm): no suggestion
    assert [m.id for m in similar_names(names_db, "Jassim")] == ["jassim"]
    assert similar_names(names_db, "Zz") == []
    assert similar_names(names_db, "al") == []


def test_arabic_script_alone_asks_for_a_closer_skeleton(names_db):
    assert [m.id for m in similar_names(names_db, "المسالمة")] == ["hafu"]
