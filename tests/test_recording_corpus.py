"""Every broken recording in tests/data/broken_recordings/ is refused with its one line (file, line, what)."""

from pathlib import Path

import pytest

from vrtherapy.errors import TrackerError
from vrtherapy.tracking.recording import load_recording

CORPUS = Path(__file__).parent / "data" / "broken_recordings"
EXPECTED = {
    "an_hour_between_samples": "line 3: 3600 s pass between two samples (at most 60)",
    "backwards_time": "line 3: the time goes backwards (9.0 s after 10.0 s)",
    "confidence_out_of_range": "line 3: the confidence 7.5 is not a number from 0 to 1",
    "empty": "empty file, not a vrtherapy recording",
    "future_version": "line 1: recording format version 7, this vrtherapy reads 1",
    "header_only": "the recording holds no samples",
    "infinite_time": "line 3: the time inf is not a finite number of seconds",
    "limb_as_a_list": "line 1: header names an unknown limb, side or point layout",
    "limb_never_seen": "no usable sample: the tracker never saw the arm in 2 samples",
    "line_too_long": "line 3: longer than 16384 bytes, not a sample",
    "nan_time": "line 3: the time nan is not a finite number of seconds",
    "nested_json_line": "line 3: nested too deeply to be a recording line",
    "not_json_at_all": "line 1: not a vrtherapy recording (no JSON header)",
    "not_utf8": "line 3: not UTF-8 text",
    "points_not_a_list": "line 1: header names an unknown limb, side or point layout",
    "sample_not_an_object": "line 3: corrupt sample (a sample needs t, p and v)",
    "seen_point_a_kilometre_away": "line 3: a point marked as seen is more than 100 m away",
    "seen_point_without_position": "line 3: a point marked as seen has no finite position",
    "source_not_an_object": "line 1: the header's source must be a JSON object",
    "time_as_text": "line 3: the time '10.5' is not a finite number of seconds",
    "visibility_as_numbers": "line 3: corrupt sample (v must be 24 true/false values)",
    "wrong_point_count": "line 3: corrupt sample (expected 24 points of 3 numbers)",
}


def test_every_corpus_file_has_its_expected_line():
    assert sorted(p.stem for p in CORPUS.glob("*.vtrec")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_recording_gives_one_clear_line(name):
    path = CORPUS / f"{name}.vtrec"
    with pytest.raises(TrackerError) as err:
        load_recording(path)
    assert str(err.value) == f"{path}: {EXPECTED[name]}"
