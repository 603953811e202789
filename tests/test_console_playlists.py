"""Playlists made in the console: validated by the playlist loader, written where the session finds them
by name, bundled ones never overwritten, refusals naming the field."""

from __future__ import annotations

import pytest

from vrtherapy.console import playlists
from vrtherapy.therapy.playlist import known_playlists, load_playlist

TABLE = {"name": "Morning hands", "limb": "upper", "max_minutes": 10,
         "exercises": [{"id": "fist_open_close", "reps": 5, "rest_s": 10},
                       {"id": "wrist_flexion_extension", "duration_s": 20,
                        "mirror": {"scope": "wrist", "degree": 0.5, "gain": 1.2, "delay_ms": 0}}]}  # fmt: skip


@pytest.fixture(autouse=True)
def clinic_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VRTHERAPY_PLAYLISTS", str(tmp_path / "clinic"))
    return tmp_path / "clinic"


def test_a_saved_playlist_is_found_by_name_as_the_session_finds_it(clinic_folder):
    path = playlists.save("morning_hands", TABLE)
    assert path == clinic_folder / "morning_hands.toml"
    loaded = load_playlist("morning_hands")  # what `vrtherapy run --playlist morning_hands` reads
    assert loaded.name == "Morning hands" and loaded.max_minutes == 10
    items = [(i.id, i.reps, i.rest_s) for i in loaded.exercises]
    assert items == [("fist_open_close", 5, 10.0), ("wrist_flexion_extension", None, 0.0)]
    assert loaded.exercises[1].mirror is not None and loaded.exercises[1].mirror.degree == 0.5
    assert known_playlists()["morning_hands"] == path and "upper" in known_playlists()
    entry = next(p for p in playlists.listing() if p["file"] == "morning_hands")
    assert entry["source"] == "clinic" and entry["exercises"] == 2
    assert playlists.as_table("morning_hands")["exercises"][1]["mirror"]["scope"] == "wrist"


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda t: t["exercises"][0].update(reps=0), "exercises[0].reps", "between 1 and 500"),
    (lambda t: t["exercises"][1]["mirror"].update(scope="ankle"), "exercises[1].mirror.scope", "not for an arm"),
    (lambda t: t["exercises"][0].update(id="juggling"), "exercises[0].id", "unknown exercise"),
    (lambda t: t.update(max_minutes=0.1), "max_minutes", "more than the cap"),
    (lambda t: t.update(name=" "), "name", "must not be empty"),
    (lambda t: t["exercises"].clear(), "exercises", "at least one exercise"),
])  # fmt: skip
def test_refusals_name_the_field_and_write_nothing(change, field, words, clinic_folder):
    import copy

    table = copy.deepcopy(TABLE)
    change(table)
    with pytest.raises(playlists.FieldError) as caught:
        playlists.save("morning_hands", table)
    assert caught.value.field == field and words in caught.value.message
    assert not (clinic_folder / "morning_hands.toml").exists()


def test_a_bundled_playlist_is_never_overwritten(clinic_folder):
    with pytest.raises(playlists.FieldError, match="bundled"):
        playlists.save("upper", TABLE)
    with pytest.raises(playlists.FieldError) as caught:
        playlists.save("../escape", TABLE)
    assert caught.value.field == "file"
    assert not clinic_folder.exists() or not any(clinic_folder.iterdir())
