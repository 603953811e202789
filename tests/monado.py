"""The real OpenXR runtime for the headset tests: Monado's simulated headset, started and stopped by the
tests themselves, and the remote device set's controllers and hands driven over 127.0.0.1:4242.

`../shared/tools/openxr-runtime/setup DIR` installs it and writes `DIR/env.sh` (sourced by `.ci/run`,
which sets XR_DIR and runs pytest under `$XR_LAUNCH`). `MonadoService` runs that file's `monado_start`
/ `monado_stop`; `RemoteRig` speaks the remote driver's wire format: fixed 376-byte packets
(`struct r_remote_data` of Monado 25's `src/xrt/drivers/remote/r_interface.h`, header b"mndrmt3\\0"),
little endian. On connect the driver sends its reset state and its current state; the rig keeps the
latter, changes fields and sends the whole packet back.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PACKET = 376
HEADER = b"mndrmt3\0"
HEAD_POSE_AT = 104  #: head.center: orientation x y z w, position x y z (float32)
CONTROLLER_AT = {"left": 136, "right": 256}
#: Offsets inside `struct r_remote_controller_data` (120 bytes).
POSE, CURLS, TRIGGER, SQUEEZE, THUMBSTICK = 0, 52, 72, 76, 84
FLAGS = {"hand_tracking_active": 104, "active": 105, "system_click": 106, "a_click": 108, "b_click": 110,
         "trigger_click": 112, "thumbstick_click": 114}  # fmt: skip


def runtime_dir() -> Path | None:
    """Where `setup` installed the runtime (XR_DIR from its env.sh), if it did."""
    folder = os.environ.get("XR_DIR")
    return Path(folder) if folder and (Path(folder) / "env.sh").is_file() else None


def missing_reason() -> str | None:
    """None when the runtime is installed and this process can load its client; else why not."""
    folder = runtime_dir()
    if folder is None:
        return "no OpenXR runtime installed (source DIR/env.sh from ../shared/tools/openxr-runtime/setup DIR)"
    os.environ.setdefault("XR_LOADER_DEBUG", "none")
    import xr

    try:
        xr.enumerate_instance_extension_properties()
    except xr.XrException as exc:
        return f"the OpenXR runtime in {folder} does not load here ({type(exc).__name__}; run pytest under $XR_LAUNCH)"
    return None


class MonadoService:
    """monado-service in the background, with one of env.sh's device sets ("" or "remote")."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kind: str | None = None

    def _shell(self, command: str) -> None:
        result = subprocess.run(["bash", "-c", f". {self.folder}/env.sh && {command}"], capture_output=True, text=True,
                                timeout=60)  # fmt: skip
        if result.returncode != 0:
            log_file = self.folder / "service.log"
            log = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise RuntimeError(f"{command}: {result.stderr.strip()}\n{log}")

    def start(self, kind: str = "") -> None:
        self.stop()
        self._shell(f"monado_start {kind}")
        self.kind = kind

    def stop(self) -> None:
        """Stop the service and wait until it is gone (monado_stop only signals it)."""
        pid_file = self.folder / "service.pid"
        pid = int(pid_file.read_text()) if pid_file.exists() else None
        self._shell("monado_stop || true")
        if pid is not None:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.05)
        self.kind = None


@dataclass
class Hand:
    """What the rig sets for one controller (and the hand the runtime makes from its curls)."""

    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    curls: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)  #: little ring middle index thumb
    trigger: float = 0.0
    squeeze: float = 0.0
    thumbstick: tuple[float, float] = (0.0, 0.0)
    a: bool = False
    b: bool = False
    thumbstick_click: bool = False
    active: bool = True
    hand_tracking: bool = True


class RemoteRig:
    """A test's hands on Monado's remote controllers: set fields, `send()` the packet."""

    def __init__(self, port: int = 4242, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout_s)
        received = b""
        while len(received) < 2 * PACKET:  # the reset state, then the current state
            chunk = self.sock.recv(2 * PACKET - len(received))
            if not chunk:
                raise ConnectionError("Monado's remote driver closed the connection")
            received += chunk
        self.packet = bytearray(received[PACKET:])
        self.packet[:8] = HEADER
        self.hands = {side: self._read_hand(side) for side in ("left", "right")}

    def _read_hand(self, side: str) -> Hand:
        at = CONTROLLER_AT[side]
        q = struct.unpack_from("<4f", self.packet, at + POSE)
        p = struct.unpack_from("<3f", self.packet, at + POSE + 16)
        return Hand(position=p, orientation=q, active=bool(self.packet[at + FLAGS["active"]]),
                    hand_tracking=bool(self.packet[at + FLAGS["hand_tracking_active"]]))  # fmt: skip

    def send(self) -> None:
        for side, hand in self.hands.items():
            at = CONTROLLER_AT[side]
            struct.pack_into("<4f3f", self.packet, at + POSE, *hand.orientation, *hand.position)
            struct.pack_into("<5f", self.packet, at + CURLS, *hand.curls)
            struct.pack_into("<f", self.packet, at + TRIGGER, hand.trigger)
            struct.pack_into("<f", self.packet, at + SQUEEZE, hand.squeeze)
            struct.pack_into("<2f", self.packet, at + THUMBSTICK, *hand.thumbstick)
            for name, value in (("a_click", hand.a), ("b_click", hand.b), ("thumbstick_click", hand.thumbstick_click),
                                ("trigger_click", hand.trigger > 0.9), ("active", hand.active),
                                ("hand_tracking_active", hand.hand_tracking)):  # fmt: skip
                self.packet[at + FLAGS[name]] = int(value)
        self.sock.sendall(bytes(self.packet))

    def close(self) -> None:
        self.sock.close()
