"""Saying what is wrong when the camera does not give the limb the session follows, and what to change.

A session that silently shows no limb for half a minute (a left hand in front of a camera set up for
the right, a mirrored webcam, a camera that cannot see the hand) leaves a therapist guessing. The
advisor watches what the tracker found frame by frame; once the intact limb has been missing for
`ADVICE_AFTER_S` (well within the 2 s a patient waits before wondering), it gives one line:

  * only a hand of the other side in view: which hand the session follows, and the camera's
    `mirrored` setting to change if the hand shown *is* that hand (a mirroring webcam swaps sides);
  * nothing usable in view: which limb to bring into view, and the camera's view setting.

It also keeps the tally of usable samples that `record` and `demo` report at the end.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from vrtherapy.errors import VrtherapyError
from vrtherapy.tracking.sample import LimbKind, Side, other_side

#: Seconds without the intact limb before the advice is given.
ADVICE_AFTER_S = 1.0
#: Share of those frames that must show only the other side's hand for the wrong-side advice.
WRONG_SIDE_SHARE = 0.5


@dataclass(frozen=True)
class FrameFinding:
    """What one frame gave: the intact limb usable, and which sides' hands were seen at all."""

    t: float
    usable: bool
    sides_seen: frozenset[str] = frozenset()


class TrackingAdvisor:
    """Feed it every frame's finding; `advice` is "" while all is well."""

    def __init__(self, side: Side, limb: LimbKind = "arm", mirrored: bool = False, view: str = "front") -> None:
        self.side, self.limb, self.mirrored, self.view = side, limb, mirrored, view
        self._window: deque[FrameFinding] = deque()
        self._missing_since: float | None = None
        self.advice = ""
        self.last_advice = ""  #: the latest line given, kept after tracking recovers (for a closing report)
        self.frames = 0
        self.usable = 0
        self._other_side_only = 0  # unusable frames that showed a hand of the other side

    @property
    def usable_share(self) -> float:
        return self.usable / self.frames if self.frames else 0.0

    def update(self, finding: FrameFinding) -> str:
        self.frames += 1
        self.usable += finding.usable
        self._other_side_only += (not finding.usable) and other_side(self.side) in finding.sides_seen
        if finding.usable:
            self._window.clear()
            self._missing_since = None
            self.advice = ""
            return ""
        self._window.append(finding)
        if self._missing_since is None:
            self._missing_since = finding.t
        while self._window and self._window[0].t < finding.t - ADVICE_AFTER_S:
            self._window.popleft()
        if finding.t - self._missing_since >= ADVICE_AFTER_S:
            self.advice = self.last_advice = self._line()
        return self.advice

    def overall(self) -> str:
        """What to change, judged over every frame so far ("" if the limb was usable in at least half):
        for a closing report, whether or not the live advice had time to appear."""
        if self.frames == 0 or self.usable >= MIN_USABLE_SHARE * self.frames:
            return ""
        return self._line(self._other_side_only / max(self.frames - self.usable, 1))

    def _line(self, wrong: float | None = None) -> str:
        other = other_side(self.side)
        if wrong is None:
            wrong = sum(1 for f in self._window if other in f.sides_seen) / max(len(self._window), 1)
        if self.limb == "arm" and wrong >= WRONG_SIDE_SHARE:
            setting = ("remove ',mirrored' from --tracker" if self.mirrored
                       else "add ',mirrored' to --tracker (e.g. mediapipe:0,mirrored)")  # fmt: skip
            return (f"Only a {other} hand is in view, but this session follows the {self.side} hand "
                    f"(affected side {other}): show the {self.side} hand; if it is the {self.side} hand, "
                    f"the camera mirrors the image: {setting}.")  # fmt: skip
        part = "hand" if self.limb == "arm" else "leg, hip to toes,"
        view = ("a camera looking down on the table needs view=top" if self.view == "front"
                else "a camera facing the patient needs view=front")  # fmt: skip
        return f"No usable {self.side} {part} in view: bring it into the camera's view ({view})."


#: Below this share of usable samples, `record` and `demo` end with exit status 2 (unless told to keep them).
MIN_USABLE_SHARE = 0.5


def usable_report(usable: int, total: int, side: Side, limb: LimbKind, advice: str = "") -> tuple[str, bool]:
    """The closing line on how many samples tracked the intact limb, and whether that is too few."""
    share = usable / total if total else 0.0
    line = f"{usable} of {total} samples ({share:.0%}) tracked the {side} {limb}"
    too_few = share < MIN_USABLE_SHARE
    if too_few:
        line += f", under {MIN_USABLE_SHARE:.0%}" + (f". {advice.rstrip('.')}" if advice else "")
    return line, too_few


def demo_usable_line(summary: dict, affected_side: Side, keep_partial: bool) -> str:
    """The demo's closing line on usable samples (its summary.json's `tracker`); VrtherapyError (exit
    status 2) under half, unless `keep_partial`."""
    tracker = summary["tracker"]
    line, too_few = usable_report(int(tracker.get("usable_samples", tracker["samples"])), int(tracker["samples"]),
                                  other_side(affected_side), summary["limb"], tracker.get("advice") or "")  # fmt: skip
    if too_few and not keep_partial:
        raise VrtherapyError(f"{line}; the output is kept, but pass --keep-partial to accept so little tracking")
    return line
