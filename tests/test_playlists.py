"""Playlists: the shipped ones load and have sensible lengths; every broken one gives its one clear line."""

from pathlib import Path

import pytest

from vrtherapy.errors import ConfigError
from vrtherapy.therapy.playlist import MAX_EXERCISES, MAX_PLAYLIST_BYTES, load_playlist
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
    first = path.read_bytes().split(b"\n")[0].decode("utf-8")
    assert first.startswith("# expect: ")
    with pytest.raises(ConfigError) as err:
        load_playlist(str(path))
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert first.removeprefix("# expect: ") in message


ENTRY = '[[exercises]]\nid = "fist_open_close"\nreps = 10\nrest_s = 5\n'


def test_a_huge_playlist_is_refused_by_its_size_before_it_is_read(tmp_path):
    path = tmp_path / "huge.toml"  # made here, not committed: 50 MB, about 1.1 million exercises
    with path.open("w") as f:
        f.write('name = "Huge"\nlimb = "upper"\n')
        for _ in range(44):
            f.write(ENTRY * 25_000)  # 1.1 million
    size_mb = path.stat().st_size / 2**20
    assert size_mb > 50
    with pytest.raises(ConfigError) as err:
        load_playlist(str(path))
    assert str(err.value) == f"{path}: {size_mb:.1f} MB, more than the 256 KB such a file may hold"


def test_too_many_exercises_are_refused_with_the_limit(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text('name = "Long"\nlimb = "upper"\n' + ENTRY * (MAX_EXERCISES + 1))
    assert path.stat().st_size < MAX_PLAYLIST_BYTES
    with pytest.raises(ConfigError) as err:
        load_playlist(str(path))
    assert str(err.value) == f"{path}: exercises: {MAX_EXERCISES + 1} entries; at most {MAX_EXERCISES} are allowed"
    path.write_text('name = "Long"\nlimb = "upper"\n' + ENTRY * MAX_EXERCISES)
    assert len(load_playlist(str(path)).exercises) == MAX_EXERCISES


@pytest.mark.parametrize("target, expected", [("folder", "is a folder, not a file"), ("/dev/zero", "not a regular file")])
def test_a_playlist_that_is_not_a_file_is_one_line(tmp_path, target, expected):
    path = tmp_path if target == "folder" else Path(target)
    with pytest.raises(ConfigError) as err:
        load_playlist(str(path))
    assert str(err.value) == f"{path}: {expected}"


def test_labels_are_normalised_where_they_enter(tmp_path):
    path = tmp_path / "spaced.toml"
    path.write_text(r'''name = "  Upper\tlimb,\n  gentle  "
limb = "upper"
[[exercises]]
id = "rest"
duration_s = 10
instruction = """Cafe\u0301: breathe \r
 slowly"""
''')
    playlist = load_playlist(str(path))
    assert playlist.name == "Upper limb, gentle"
    assert playlist.exercises[0].instruction == "Caf\u00e9: breathe slowly"  # NFC: one code point for the e-acute


def test_the_synthetic_patient_can_follow_every_exercise_and_shipped_playlist():
    from vrtherapy.therapy.exercises import EXERCISES
    from vrtherapy.therapy.playlist import playlists_dir
    from vrtherapy.therapy.setup import limb_kind
    from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, SyntheticLegMotion, build_schedule

    motions = {"arm": SyntheticArmMotion, "leg": SyntheticLegMotion}
    for exercise_id, exercise in EXERCISES.items():
        motion = motions[limb_kind(exercise.limb)]("right", build_schedule([(exercise_id, 4.0)]))
        assert motion.sample_at(1.0).points.shape[0] > 0
    for path in playlists_dir().glob("*.toml"):
        playlist = load_playlist(str(path))
        motions[limb_kind(playlist.limb)]("left", build_schedule(patient_script(playlist)))
