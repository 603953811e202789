"""The console's figures for `vrtherapy bench`: the live view's frame rate as a browser would get it, and the
session's own frame rate with and without a console watching.

Measured in a fresh process (one Panda3D ShowBase per process, and the bench's own has been closed): a
real console (uvicorn on its thread, the station on the main thread) runs short offscreen sessions with the
synthetic patient, alternately unwatched and watched by a client that does what the page does: fetch the
newest JPEG as soon as the previous one has arrived, and poll the state five times a second. Runs alternate
so that machine noise hits both alike.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

TARGET_LIVE_FPS = 10.0
TARGET_SESSION_RATIO = 0.9
RUN_SECONDS = 6.0
RUNS = 2  #: of each kind, alternated


def bench_console(size: tuple[int, int] = (960, 540), seconds: float = RUN_SECONDS, runs: int = RUNS) -> dict[str, Any]:
    """The figures, measured in a child process; {"skipped": why} when it cannot run."""
    command = [sys.executable, "-m", "vrtherapy.console.bench_console", f"{size[0]}x{size[1]}", str(seconds), str(runs)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300 + 4 * runs * seconds,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))  # fmt: skip
    if done.returncode != 0:
        return {"skipped": (done.stderr.strip().splitlines() or ["the console bench failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def format_console(figures: dict[str, Any]) -> list[str]:
    if "skipped" in figures:
        return [f"console: skipped, {figures['skipped']}"]
    ok = {True: "ok", False: "BELOW TARGET"}
    return [
        f"console (live view {figures['width']} px wide, offscreen {figures['size'][0]}x{figures['size'][1]} session):",
        f"  live view      {figures['live_fps']:8.2f} fps  (target >= {TARGET_LIVE_FPS:.0f}: {ok[figures['live_meets_target']]}; "
        f"{100 * figures['live_share_of_frames']:.0f} % of the frames it could show)",
        f"  session fps    {figures['session_fps_without_console']:8.2f} without a console, "
        f"{figures['session_fps_with_console']:.2f} with one watching (paced to {figures['session_fps_target']:.0f})",
        f"  with / without {figures['session_fps_ratio']:8.3f}  (target >= {TARGET_SESSION_RATIO}: "
        f"{ok[figures['ratio_meets_target']]})",
    ]


def _measure(size: tuple[int, int], seconds: float, runs: int) -> dict[str, Any]:
    import httpx
    import uvicorn

    from vrtherapy.console.command import ConsoleOptions, build_console, run_web_server
    from vrtherapy.console.live import STREAM_FPS, STREAM_WIDTH
    from vrtherapy.console.station import StartRequest
    from vrtherapy.records.models import PatientProfile
    from vrtherapy.records.store import RecordStore
    from vrtherapy.render.display import open_showbase

    folder = Path(tempfile.mkdtemp(prefix="vrtherapy-console-bench-"))
    os.environ["VRTHERAPY_PLAYLISTS"] = str(folder)
    (folder / "bench.toml").write_text(f'name = "Bench"\nlimb = "upper"\n[[exercises]]\nid = "fist_open_close"\n'
                                       f"duration_s = {seconds}\n")  # fmt: skip
    db = folder / "records.sqlite3"
    with RecordStore.open(db) as store:
        store.add_patient(PatientProfile("BENCH", "left", "upper", "transradial"))
    base = open_showbase("offscreen", size)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ctx, app = build_console(ConsoleOptions(port=port, db=db, size=size), say=lambda line: None, base=base)
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="off"))
    threading.Thread(target=run_web_server, args=(server, sock), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, timeout=10)
    while True:
        try:
            paired = client.post("/api/pair", json={"code": ctx.gate.code, "name": "bench"}, headers={"Origin": url})
            break
        except httpx.TransportError:
            time.sleep(0.05)
    assert paired.status_code == 200, paired.text
    without: list[float] = []
    with_console: list[float] = []
    live: list[float] = []
    for run in range(2 * runs):
        watched = run % 2 == 1
        session = ctx.station.start(StartRequest("BENCH", "bench", "offscreen", "bench", pain_before=0, pain_after=0))
        viewer = None
        if watched:  # a browser is another process: so is the bench's viewer
            viewer = subprocess.Popen([sys.executable, "-m", "vrtherapy.console.bench_console", "watch", url, ctx.gate.code],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        ctx.station.run_next()
        first, last, frames = session.frame_span
        (with_console if watched else without).append((frames - 1) / (last - first) if last > first else 0.0)
        if viewer is not None:
            out, _ = viewer.communicate("stop\n", timeout=30)
            received = json.loads(out.strip().splitlines()[-1])
            if len(received) > 1:
                live.append((len(received) - 1) / (received[-1] - received[0]))
    server.should_exit = True
    fps_without, fps_with = sum(without) / len(without), sum(with_console) / len(with_console)
    live_fps = sum(live) / len(live) if live else 0.0
    return {"width": STREAM_WIDTH, "size": list(size), "session_fps_target": 30.0, "live_fps": round(live_fps, 2),
            "session_fps_without_console": round(fps_without, 2), "session_fps_with_console": round(fps_with, 2),
            "session_fps_ratio": round(fps_with / fps_without, 3) if fps_without else 0.0,
            "live_meets_target": live_fps >= TARGET_LIVE_FPS,
            # the live view cannot show more frames than the session draws, nor more than it grabs
            "live_share_of_frames": round(live_fps / min(fps_with, STREAM_FPS), 3) if fps_with else 0.0,
            "ratio_meets_target": fps_without > 0 and fps_with / fps_without >= TARGET_SESSION_RATIO,
            "runs_each": runs, "seconds_each": seconds}  # fmt: skip


def _watch(url: str, code: str) -> list[float]:
    """What the page does, until told to stop on stdin: the newest frame as soon as the last one is in, and
    the state five times a second. Returns when each frame arrived."""
    import httpx

    client = httpx.Client(base_url=url, timeout=10)
    paired = client.post("/api/pair", json={"code": code, "name": "viewer"}, headers={"Origin": url})
    assert paired.status_code == 200, paired.text
    stop = threading.Event()

    def wait_for_stop() -> None:
        sys.stdin.readline()
        stop.set()

    threading.Thread(target=wait_for_stop, daemon=True).start()
    received: list[float] = []
    seq, next_state = -1, 0.0
    while not stop.is_set():
        now = time.monotonic()
        if now >= next_state:
            client.get("/api/session")
            next_state = now + 0.2
        response = client.get(f"/api/session/frame.jpg?after={seq}")
        if response.status_code == 200:
            seq = int(response.headers["X-Frame"])
            received.append(time.monotonic())
    return received


if __name__ == "__main__":
    if sys.argv[1] == "watch":
        print(json.dumps(_watch(sys.argv[2], sys.argv[3])))
    else:
        width, height = (int(v) for v in sys.argv[1].split("x"))
        print(json.dumps(_measure((width, height), float(sys.argv[2]), int(sys.argv[3]))))
