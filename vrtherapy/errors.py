"""Errors a user can act on: each renders as one line naming the file/field at fault.

The CLI catches `VrtherapyError` and prints `vrtherapy: <message>` with a non-zero exit code and no
traceback; anything else is a bug and keeps its traceback.
"""


class VrtherapyError(Exception):
    """Base class for errors caused by input or environment, not by a bug."""


class ConfigError(VrtherapyError):
    """A settings, scene or playlist file is missing or invalid."""


class DisplayUnavailable(VrtherapyError):
    """The requested display (headset runtime, window) cannot be opened on this machine."""


class TrackerError(VrtherapyError):
    """A tracking source (camera, video, recording) cannot be opened or read."""
