"""Display selection: headset -> window -> offscreen, one-line reasons, explicit modes honoured."""

import pytest

from vrtherapy.errors import DisplayUnavailable
from vrtherapy.render.display import choose_display
from vrtherapy.xr.runtime_probe import probe_openxr_runtime


def no_xr():
    return "no OpenXR runtime is installed or active"


def test_auto_falls_back_to_window_then_offscreen_with_one_line_each():
    with_desktop = choose_display("auto", xr_probe=no_xr, desktop_available=lambda: True)
    assert with_desktop.mode == "window"
    assert len(with_desktop.notes) == 1 and "\n" not in with_desktop.notes[0]
    headless = choose_display("auto", xr_probe=no_xr, desktop_available=lambda: False)
    assert headless.mode == "offscreen" and len(headless.notes) == 2


def test_auto_uses_the_headset_when_there_is_one():
    assert choose_display("auto", xr_probe=lambda: None, desktop_available=lambda: True).mode == "xr"


def test_explicit_modes_fail_clearly_when_unavailable():
    with pytest.raises(DisplayUnavailable, match=r"^--display xr: no OpenXR runtime"):
        choose_display("xr", xr_probe=no_xr)
    with pytest.raises(DisplayUnavailable, match=r"^--display window: no desktop display"):
        choose_display("window", xr_probe=no_xr, desktop_available=lambda: False)
    assert choose_display("offscreen", xr_probe=no_xr).mode == "offscreen"


def test_unknown_mode_is_one_line_naming_the_option():
    with pytest.raises(DisplayUnavailable) as err:
        choose_display("vr", xr_probe=no_xr)
    assert str(err.value).startswith("--display: unknown display mode 'vr'") and "\n" not in str(err.value)


def test_real_probe_on_a_machine_without_runtime_reports_one_line(capfd):
    reason = probe_openxr_runtime()
    # This machine has pyopenxr but no OpenXR runtime; a machine with one would return None here.
    if reason is not None:
        assert "\n" not in reason
        assert "runtime" in reason or "headset" in reason
        assert capfd.readouterr().err == ""  # the loader's own complaints are silenced
