"""A patient with a known history (sessions, diary, pain ratings), for the report and export tests:
every figure those tests expect is computed by hand from these numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from vrtherapy.records import ExerciseResult, PatientProfile, RecordStore

MONDAY = datetime(2024, 3, 4, 10, 0)
NOW = datetime(2024, 3, 27, 12, 0)  # a Wednesday: the week of 25 March is under way
#: (day offset, pain before, pain after, minutes, how it ended) - minutes None: no recorded end
SESSIONS = [
    (0, 7, 5, 20, "completed"),  # drop 2: flagged (the threshold itself)
    (2, 6, 5, 25, "completed"),  # drop 1
    (4, 8, 3, 30, "completed"),  # drop 5: flagged
    (8, 5, 6, 20, "completed"),  # pain rose
    (10, 6, None, None, None),  # program died mid-session: no after rating, no end
    (14, 4, 2, 10, "stopped"),  # drop 2, stopped early: still flagged
    (16, None, 3, 15, "capped"),  # no before rating; its time ran out
]
FLAGGED_ROWS = (0, 2, 5)
PLANNED = 3  # exercises each session planned; two were recorded, so every session is partial
#: Diary (between sessions): (day offset, score, triggers, medications, location, episodes, duration_min)
BASELINE = [  # before the first session (day 0, 10:00)
    (-3, 8, [], [], "phantom", 6, 60),
    (-2, 7, [], [], "phantom", 5, 40),
    (-1, 6, [], [], "residual", 4, None),
]
BETWEEN = [
    (1, 6, ["stress"], ["gabapentin"], None, None, 45),
    (3, 7, ["stress", "weather change"], [], None, None, 45),
    (9, 5, ["Full bladder", "Weather change"], ["gabapentin", "amitriptyline"], None, None, 45),
    (15, 4, ["stress"], [], "phantom", 2, 45),
    (20, 3, [], [], "residual", 1, 45),
]
#: logged to this patient by mistake, then voided: it must count nowhere
VOIDED = (19, 9, ["full bladder"], [], "phantom", 9, 200)


def build_known_patient(store: RecordStore, patient_id: str = "P001") -> list[int]:
    """A patient with the sessions and diary above; returns the session ids in order."""
    store.add_patient(PatientProfile(patient_id, "left", "upper", "transradial", date(2023, 6, 1),
                                     {"forearm": 0.26}, 60.0, "phantom cramp in the fist"))  # fmt: skip
    ids = []
    for day, before, after, minutes, status in SESSIONS:
        start = MONDAY + timedelta(days=day)
        sid = store.start_session(patient_id, "upper_basic", "offscreen", started_at=start, exercises_planned=PLANNED)
        ids.append(sid)
        if before is not None:
            store.add_pain(patient_id, before, "before", session_id=sid, at=start)
        for k, exercise in enumerate(("wrist_flexion_extension", "fist_open_close")):
            completed = k == 0 or day < 10
            store.add_exercise(sid, ExerciseResult(exercise, start + timedelta(minutes=1 + 5 * k), 240.0, completed,
                                                   10, 12, 30.0 + day + 20 * k, 1.5, 60.0, 90.0))  # fmt: skip
        if status is not None:
            store.finish_session(sid, start + timedelta(minutes=minutes), status, pgic=2 if status == "capped" else None)
        if after is not None:
            store.add_pain(patient_id, after, "after", session_id=sid, at=start + timedelta(minutes=25))
    for day, score, triggers, medications, location, episodes, duration in [*BASELINE, *BETWEEN, VOIDED]:
        entry = store.add_pain(patient_id, score, "between", at=MONDAY + timedelta(days=day, hours=-1),
                               triggers=triggers, medications=medications, duration_min=duration, location=location,
                               episodes=episodes)  # fmt: skip
        if (day, score) == VOIDED[:2]:
            store.void_pain(entry, reason="logged to the wrong patient", by="therapist A")
    return ids
