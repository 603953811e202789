"""The session timeline and the pain question, as pure logic: no rendering, a clock we move by hand."""

import pytest

from vrtherapy.therapy.pain import PainRating, check_pain
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.therapy.timeline import ExerciseEnded, ExerciseStarted, RestStarted, SessionEnded, SessionTimeline


@pytest.fixture
def playlist(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('name = "p"\nlimb = "upper"\n'
                    '[[exercises]]\nid = "fist_open_close"\nreps = 5\nduration_s = 30\nrest_s = 10\n'
                    '[[exercises]]\nid = "wrist_flexion_extension"\nduration_s = 20\n'
                    '[[exercises]]\nid = "tip_pinch"\nreps = 4\n')
    return load_playlist(str(path))


def run(timeline, until, step=0.1, reps=lambda t: None):
    events, t = [], 0.0
    while t < until and not timeline.finished:
        t = round(t + step, 6)
        events += timeline.advance(t, reps(t))
    return events


def test_reps_end_an_exercise_then_rest_then_timed_exercise(playlist):
    tl = SessionTimeline(playlist)
    assert tl.start(0.0) == [ExerciseStarted(0)]
    events = run(tl, 12.0, reps=lambda t: int(t // 2))  # five repetitions done at 10 s
    assert events[:2] == [ExerciseEnded(0, pytest.approx(10.0), "reps"), RestStarted(0, 10.0)]
    assert events[0].completed and tl.phase == "rest" and tl.seconds_left == pytest.approx(8.0)
    events = run(tl, 50.0)
    assert events[0] == ExerciseStarted(1)
    assert events[1] == ExerciseEnded(1, pytest.approx(20.0), "time") and events[1].completed


def test_pause_stops_the_exercise_timer(playlist):
    tl = SessionTimeline(playlist)
    tl.start(0.0)
    tl.advance(5.0)
    tl.pause(5.0)
    assert tl.advance(100.0) == [] and tl.phase_elapsed == pytest.approx(5.0) and tl.active_s == pytest.approx(5.0)
    tl.resume(100.0)
    tl.advance(110.0)
    assert tl.phase_elapsed == pytest.approx(15.0)
    events = tl.advance(125.0)  # the 30 s limit, counted without the pause
    assert events[0] == ExerciseEnded(0, pytest.approx(30.0), "time_limit") and not events[0].completed


def test_skip_marks_the_exercise_not_completed_and_skips_rests_too(playlist):
    tl = SessionTimeline(playlist)
    tl.start(0.0)
    events = tl.skip(3.0)
    assert events == [ExerciseEnded(0, pytest.approx(3.0), "skipped"), RestStarted(0, 10.0)]
    assert not events[0].completed
    assert tl.skip(4.0) == [ExerciseStarted(1)]  # the rest break, skipped


def test_the_session_cap_ends_the_exercise_with_a_reminder_then_the_session(playlist):
    tl = SessionTimeline(playlist, max_s=35.0, reminder_s=5.0)
    tl.start(0.0)
    events = run(tl, 36.0, reps=lambda t: 5 if t >= 10 else 0)
    ended = [e for e in events if isinstance(e, ExerciseEnded)]
    assert ended[-1] == ExerciseEnded(1, pytest.approx(15.0), "capped") and not ended[-1].completed
    assert tl.phase == "reminder" and tl.progress() == 1.0
    assert tl.advance(39.0) == [] and tl.advance(41.5) == [SessionEnded("capped")]
    assert tl.ended_by == "capped"


def test_an_exercise_that_would_start_at_the_cap_does_not_start(playlist):
    tl = SessionTimeline(playlist, max_s=40.0)  # the timed exercise ends exactly at the cap
    tl.start(0.0)
    events = run(tl, 41.0, reps=lambda t: 5 if t >= 10 else 0)
    assert events[-1] == ExerciseEnded(1, pytest.approx(20.0), "time") and tl.phase == "reminder"


def test_the_playlists_own_cap_applies_and_a_shorter_session_cap_wins(playlist):
    from dataclasses import replace

    capped = replace(playlist, max_minutes=10.0)
    assert SessionTimeline(capped).max_s == 600.0
    assert SessionTimeline(capped, max_s=120.0).max_s == 120.0


def test_stop_ends_the_exercise_and_the_session(playlist):
    tl = SessionTimeline(playlist)
    tl.start(0.0)
    tl.advance(4.0)
    assert tl.stop(4.5) == [ExerciseEnded(0, pytest.approx(4.5), "stopped"), SessionEnded("stopped")]
    assert tl.finished and tl.advance(10.0) == []


def test_a_whole_timed_playlist_keeps_exact_time_at_any_frame_rate():
    tl = SessionTimeline(load_playlist("demo"))
    tl.start(0.0)
    events = run(tl, 60.0, step=0.07)
    durations = [e.active_s for e in events if isinstance(e, ExerciseEnded)]
    assert durations == pytest.approx([3, 8, 6, 6.5, 5, 8]) and events[-1] == SessionEnded("completed")


@pytest.mark.parametrize("keys, score", [("7", 7), ("10", 10), ("0", 0), ("105", 5), ("1", 1), ("53", 3)])
def test_pain_keys(keys, score):
    rating = PainRating("before")
    for k in keys:
        rating.key(k)
    rating.key("enter")
    assert rating.confirmed == score


def test_pain_needs_a_choice_before_enter_and_steps_stay_in_range():
    rating = PainRating("after")
    rating.key("enter")
    assert not rating.done and rating.display == "–"
    for _ in range(15):
        rating.key("arrow_up")
    assert rating.value == 10
    rating.key("backspace")
    rating.key("arrow_down")
    assert rating.value == 0  # down from nothing starts at 0, never at the worst score
    rating.key("enter")
    rating.key("3")  # a confirmed answer stays
    assert rating.confirmed == 0


@pytest.mark.parametrize("value", [0, 5, 10])
def test_pain_scores_0_to_10_are_accepted(value):
    assert check_pain(value) == value
    rating = PainRating("before")
    rating.set(value)
    assert rating.confirm() == value


@pytest.mark.parametrize("value", [-1, 11, 7.5, "7", True, None])
def test_other_pain_scores_are_refused(value):
    with pytest.raises(ValueError, match="whole number from 0 to 10"):
        check_pain(value)
    with pytest.raises(ValueError):
        PainRating("before").set(value)
