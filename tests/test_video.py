"""The session video: H.264 that a browser plays, as long as the session whatever the frame rate; JSON files
that any reader accepts."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from vrtherapy.summary_file import json_safe, write_json
from vrtherapy.video import SessionVideo


def decoded(path):
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [(float(f.pts * f.time_base), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
        return stream.codec_context.name, stream.codec_context.pix_fmt, frames


def shown_at(frames, t):
    """The mean grey level of the frame a player shows at `t` seconds: the last one stamped at or before it."""
    return int(round(max((f for f in frames if f[0] <= t + 1e-6), key=lambda f: f[0])[1].mean()))


def test_frames_are_placed_by_session_time_so_the_video_lasts_the_session(tmp_path):
    import av

    path = tmp_path / "v.mp4"
    video = SessionVideo(path, fps=15.0)
    # A slow renderer: a frame every 0.4 s (2.5 fps) and a stall of 3 s, over a 10 s session.
    times = [0.0, 0.4, 0.8, 1.2, 4.2, 4.6, 5.0]
    for k, t in enumerate(times):
        video.add(t, np.full((180, 320, 3), 30 * k, np.uint8))
        video.add(t + 0.01, np.full((180, 320, 3), 255, np.uint8))  # the same 1/15 s slot: the first frame keeps it
    video.close(until_s=10.0)
    codec, pix_fmt, frames = decoded(path)
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    with av.open(str(path)) as container:
        assert container.duration / 1e6 == pytest.approx(10.0)  # as long as the session
    assert len(frames) == len(times) + 1  # each frame encoded once, the last one again at the end
    assert abs(shown_at(frames, 1.0) - 30 * 2) <= 2  # the frame from 0.8 s
    assert abs(shown_at(frames, 3.0) - 30 * 3) <= 2  # in the stall: still the frame from 1.2 s
    assert abs(shown_at(frames, 9.95) - 30 * 6) <= 2  # after the last frame: it stays to the end
    assert video.duration_s == pytest.approx(10.0)


def test_an_odd_frame_size_is_padded_for_h264(tmp_path):
    video = SessionVideo(tmp_path / "odd.mp4", fps=10.0)
    video.add(0.0, np.zeros((181, 321, 3), np.uint8))
    video.close(until_s=1.0)
    _, _, frames = decoded(tmp_path / "odd.mp4")
    assert frames[0][1].shape == (182, 322, 3) and frames[-1][0] == pytest.approx(0.9)


def test_summary_json_has_no_bare_nan(tmp_path):
    value = {"fps": float("nan"), "delay": {"mean": np.float64("inf"), "p95": np.float32(2.5)}, "n": np.int64(3),
             "list": (1.0, float("-inf"), "x", None, True)}  # fmt: skip
    assert json_safe(value) == {"fps": None, "delay": {"mean": None, "p95": 2.5}, "n": 3, "list": [1.0, None, "x", None, True]}

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    path = write_json(tmp_path / "summary.json", value)
    assert json.loads(path.read_text(), parse_constant=refuse)["delay"]["mean"] is None
    assert not (tmp_path / "summary.json.part").exists()
    assert (path.stat().st_mode & 0o777) == 0o600


@pytest.mark.ci_required("chromium (Debian package chromium)")
def test_the_video_plays_in_a_browser(tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    video = SessionVideo(tmp_path / "demo.mp4", fps=15.0)
    for k in range(30):
        video.add(k / 10, np.full((270, 480, 3), (8 * k, 100, 200 - 5 * k), np.uint8))
    video.close(until_s=4.0)
    page = tmp_path / "page.html"
    page.write_text("""<video id=v src="demo.mp4" muted autoplay></video><pre id=out>pending</pre><script>
const v = document.getElementById('v'), out = document.getElementById('out');
v.addEventListener('error', () => { out.textContent = 'error ' + (v.error && v.error.code); });
v.addEventListener('timeupdate', () => { out.textContent = 'played ' + v.currentTime.toFixed(2) + ' of '
  + v.duration.toFixed(2) + ' ' + v.videoWidth + 'x' + v.videoHeight; });
</script>""")
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
                             "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    out = result.stdout.split('<pre id="out">')[1].split("<")[0]
    assert out == "played 4.00 of 4.00 480x270"  # to the end ('ended' does not fire on headless virtual time)
