"""Playlists: the shipped ones load and have sensible lengths; every broken one gives its one clear line."""

from pathlib import Path

import pytest

from vrtherapy.errors import ConfigError
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.therapy.setup import patient_script

BROKEN = sorted((Path(__file__).parent / "data" / "broken_playlists").glob("*.toml"))


def test_shipped_playlists():
    upper, lower, first = load_playlist("upper"), load_playlist("lower"), load_playlist("first_visit")
    assert {e.id for e in upper.exercises} >= {"fist_open_close", "wrist_flexion_extension", "pronation_supination",
                                              "finger_tapping", "thumb_opposition", "lateral_pinch", "tip_pinch",
                                              "finger_lifts"}  # fmt: skip
    assert {e.id for e in lower.exercises} >= {"ankle_dorsi_plantar", "ankle_inversion_eversion", "toe_curl_extension",
                                              "knee_extension", "hip_abduction"}  # fmt: skip
    assert upper.limb == first.limb == "upper" and lower.limb == "lower"
    assert 15 * 60 <= upper.planned_s <= 20 * 60
    assert 4 * 60 <= first.planned_s <= 6 * 60
    for playlist in (upper, lower, first):
        assert playlist.max_s is not None and playlist.planned_s < playlist.max_s
        assert all(e.reps is None or 5 <= e.reps <= 20 for e in playlist.exercises)


def test_demo_playlist_keeps_its_timing():
    demo = load_playlist("demo")
    assert demo.duration_s == pytest.approx(36.5) and demo.planned_s == pytest.approx(36.5)
    assert patient_script(demo) == [(e.id, e.duration_s) for e in demo.exercises]


def test_reps_alone_get_a_generous_time_limit_and_the_patient_script_follows_reps_and_rests(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('name = "p"\nlimb = "lower"\n[[exercises]]\nid = "knee_extension"\nreps = 5\nrest_s = 10\n'
                    '[[exercises]]\nid = "hip_abduction"\nreps = 4\nduration_s = 8\n')
    p = load_playlist(str(path))
    knee, hip = p.exercises
    assert knee.limit_s == 60.0 and knee.planned_s == 20.0  # 3 x 5 x 4 s
    assert hip.planned_s == 8.0  # its own limit is shorter than 4 repetitions (14.4 s)
    assert patient_script(p) == [("knee_extension", 20.0), ("rest_feet", 10.0), ("hip_abduction", 8.0)]


def test_the_broken_playlist_corpus_is_there():
    assert len(BROKEN) >= 20


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_each_broken_playlist_gives_one_clear_line(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: ")
    with pytest.raises(ConfigError) as err:
        load_playlist(str(path))
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert first.removeprefix("# expect: ") in message
