"""Stand-ins the headset tests hand to `headset_driver.open_headset_display`: a scene with no HUD, the
seated eye point, and a session runner that records the commands the headset sends it."""

from __future__ import annotations


class Scene:
    hud = None


class Eye:
    position = (0.0, -0.35, 1.2)
    look_at = (0.0, 0.3, 1.2)


class Runner:
    """The session runner's command interface, recording."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        if name in ("pause", "resume", "skip", "request_stop"):
            return lambda: self.calls.append(name)
        raise AttributeError(name)
