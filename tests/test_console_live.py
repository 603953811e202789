"""The live session as the console drives it, in process on the shared offscreen ShowBase: commands from
the console take effect in the very next frame and are logged (who, what, old -> new), frames reach the
live view as 640-pixel JPEGs while someone watches (and are not grabbed while nobody does), and the pain
questions are answered from the console."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.live_viewer import collecting_jpegs
from vrtherapy.console.live import Command, ControlEvent, LiveSession, console_command
from vrtherapy.records.models import PatientProfile
from vrtherapy.records.store import RecordStore
from vrtherapy.therapy.run_session import RunOptions, run_session


class Probe(LiveSession):
    """A LiveSession that plays the therapist: at given frames it submits commands, as the web thread would,
    and it notes the mirror mode each frame was drawn with."""

    def __init__(self, script: dict[int, list[Command]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.script = script
        self.drawn_with: dict[int, float] = {}
        self.watch_until_frame = 10**9

    def frame(self, runner) -> None:
        n = runner.frames  # the frame just shown
        self.drawn_with[n] = runner.pipeline.mirror.mode.degree
        if n < self.watch_until_frame:
            self.stream.watch()
        for command in self.script.pop(n, []):
            self.submit(command)
        pain = runner.controller.state().pain
        if pain is not None and n % 5 == 0:  # the therapist answers as soon as the question shows
            self.submit(Command("JS", console_command("pain", 4 if pain.when == "before" else 2, "upper")))
        super().frame(runner)


@pytest.fixture
def patient_db(tmp_path):
    db = tmp_path / "records.sqlite3"
    with RecordStore.open(db) as store:
        store.add_patient(PatientProfile("P9", "left", "upper", "transradial"))
    return db


def test_console_commands_take_effect_in_the_next_frame_and_are_logged(showbase, patient_db, tmp_path, monkeypatch):
    monkeypatch.setenv("VRTHERAPY_PLAYLISTS", str(tmp_path))
    (tmp_path / "tiny.toml").write_text('name = "Tiny"\nlimb = "upper"\n[[exercises]]\nid = "fist_open_close"\nreps = 4\n')
    logged: list[tuple[int, ControlEvent]] = []
    degree = console_command("mirror", {"degree": 0.4}, "upper")
    probe = Probe({30: [Command("JS", degree)], 31: [Command("JS", console_command("phantom_only", True, "upper"))],
                   32: [Command("JS", console_command("pause", None, "upper"))],
                   34: [Command("JS", console_command("resume", None, "upper"))]},
                  patient_id="P9", playlist="tiny", display="offscreen", who="JS",
                  log=lambda sid, e: logged.append((sid, e)))  # fmt: skip
    with collecting_jpegs(probe.stream) as jpegs:
        try:
            report = run_session(RunOptions(patient="P9", playlist="tiny", display="offscreen", db=patient_db, size=(320, 240)),
                                 say=lambda line: None, base=showbase, observer=probe)  # fmt: skip
        finally:
            probe.finished("done")
    # the degree asked for after frame 30 is the one frame 31 was drawn with
    assert probe.drawn_with[30] == 1.0 and probe.drawn_with[31] == 0.4
    assert report.pain == {"before": 4, "after": 2} and report.status == "completed"
    whats = [(e.who, e.what, e.old, e.new) for _, e in logged]
    assert ("JS", "mirror.degree", "1.0", "0.4") in whats and ("JS", "phantom_only", "false", "true") in whats
    assert ("JS", "pause", "", "") in whats and ("JS", "resume", "", "") in whats
    assert ("JS", "pain_before", "", "4") in whats and ("JS", "pain_after", "", "2") in whats
    assert {sid for sid, _ in logged} == {report.session_id}
    with RecordStore.open(patient_db) as store:
        record = store.session(report.session_id)
    assert (record.pain_before, record.pain_after) == (4, 2)
    # the live view: JPEGs 640 pixels wide, upright (the HUD's dark panel at the top, not the floor)
    assert len(jpegs) >= 5
    image = cv2.imdecode(np.frombuffer(jpegs[-1], np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1] == 640
    assert image[: image.shape[0] // 10].mean() < image[image.shape[0] // 2 :].mean()


def test_nothing_is_grabbed_while_nobody_watches(showbase, patient_db, tmp_path, monkeypatch):
    monkeypatch.setenv("VRTHERAPY_PLAYLISTS", str(tmp_path))
    (tmp_path / "tiny.toml").write_text('name = "Tiny"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 1.5\n')
    probe = Probe({}, patient_id="P9", playlist="tiny", display="offscreen", who="JS")
    probe.watch_until_frame = 0
    run_session(RunOptions(patient="P9", playlist="tiny", display="offscreen", db=patient_db, size=(320, 240),
                           pain_before=3, pain_after=3),
                say=lambda line: None, base=showbase, observer=probe)  # fmt: skip
    probe.finished("done")
    assert probe.stream.encoded == 0 and probe.stream.jpeg == (0, b"")


@pytest.mark.parametrize(("name", "value", "field"), [
    ("mirror", {"degree": 1.5}, "degree"), ("mirror", {"scope": "ankle"}, "mirror.scope"),
    ("mirror", {"colour": 1}, "mirror"), ("pain", 11, "pain_answer.score"), ("phantom_only", "yes", "mirror.phantom_only"),
    ("launch", None, "name"),
])  # fmt: skip
def test_bad_console_commands_are_refused_on_arrival_naming_the_field(name, value, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        console_command(name, value, "upper")
