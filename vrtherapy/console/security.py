"""Who may use the console: pairing with a short code shown on the station, paired devices, and the checks
that keep other web pages and other people on the clinic network out.

Pairing: the station shows a six-digit code (its terminal and, while a session window is up, the HUD);
the therapist types it, with their name or initials, into the console page. A correct code makes a paired
device: a random session token (the HttpOnly, SameSite=Strict cookie) and a CSRF token the page sends back
in a header with every request that changes something. The name is "who" in every record the console
writes. The code changes after each successful pairing, so a code read over someone's shoulder is spent.

Wrong codes are rate-limited per client (5 tries, then refused for a minute, doubling each time) and
overall (30 wrong tries in ten minutes from anyone draw a new code), so guessing 6 digits is hopeless.

Written here rather than taken from a library: pairing codes with these rules are specific to a station
that shows its own code; tokens come from `secrets`, comparisons are constant-time (`hmac.compare_digest`).
Nothing here knows about the web framework (see `app.py`).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CODE_DIGITS = 6
CLIENT_TRIES = 5  #: wrong codes a client may type before it is made to wait
CLIENT_LOCK_S = 60.0  #: the first wait; it doubles for each further lock-out
GLOBAL_TRIES = 30  #: wrong codes from everyone within GLOBAL_WINDOW_S draw a new code
GLOBAL_WINDOW_S = 600.0
DEVICE_IDLE_S = 12 * 3600.0  #: a paired device unused this long must pair again (a clinic day)
MAX_NAME = 40


@dataclass(frozen=True)
class Device:
    """A paired browser: its therapist's name, its CSRF token, when it paired."""

    name: str
    csrf: str
    paired_at: float


@dataclass
class _Client:
    failures: int = 0
    locks: int = 0
    locked_until: float = 0.0


@dataclass(frozen=True)
class PairResult:
    """`token` and `device` on success; otherwise why not and, when rate-limited, how long to wait."""

    token: str | None = None
    device: Device | None = None
    error: str = ""
    retry_after_s: float = 0.0


@dataclass
class PairingGate:
    """The pairing code, the paired devices and the wrong-code counters. Thread-safe (the web server's
    thread pairs; the station's thread reads the code to show it)."""

    announce: Callable[[str], None] = lambda code: None  #: shows a new code on the station
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _code: str = ""
    _devices: dict[str, tuple[Device, float]] = field(default_factory=dict)  # token -> (device, last used)
    _clients: dict[str, _Client] = field(default_factory=dict)
    _recent_failures: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._new_code()

    @property
    def code(self) -> str:
        return self._code

    def _new_code(self) -> None:
        self._code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self.announce(self._code)

    def pair(self, client: str, code: str, name: str) -> PairResult:
        """Check a typed code from `client` (its address) for the therapist `name`."""
        name = " ".join(str(name).split())
        if not name or len(name) > MAX_NAME:
            return PairResult(error=f"name: give your name or initials (1 to {MAX_NAME} characters)")
        now = self.clock()
        with self._lock:
            state = self._clients.setdefault(client, _Client())
            if now < state.locked_until:
                return PairResult(error="too many wrong codes: wait before trying again",
                                  retry_after_s=state.locked_until - now)  # fmt: skip
            typed = "".join(str(code).split())
            if not hmac.compare_digest(typed.encode(), self._code.encode()):
                state.failures += 1
                self._recent_failures = [t for t in self._recent_failures if now - t < GLOBAL_WINDOW_S] + [now]
                if len(self._recent_failures) >= GLOBAL_TRIES:
                    self._recent_failures.clear()
                    self._new_code()
                if state.failures >= CLIENT_TRIES:
                    state.failures = 0
                    state.locked_until = now + CLIENT_LOCK_S * 2**state.locks
                    state.locks += 1
                    return PairResult(error="too many wrong codes: wait before trying again",
                                      retry_after_s=state.locked_until - now)  # fmt: skip
                return PairResult(error="code: that is not the code shown on the station")
            self._clients.pop(client, None)
            token = secrets.token_urlsafe(32)
            device = Device(name=name, csrf=secrets.token_urlsafe(32), paired_at=time.time())
            self._devices[token] = (device, now)
            self._new_code()
            return PairResult(token=token, device=device)

    def device(self, token: str | None) -> Device | None:
        """The paired device holding `token`, or None (unknown, or idle too long)."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            entry = self._devices.get(token)
            if entry is None:
                return None
            device, last = entry
            if now - last > DEVICE_IDLE_S:
                del self._devices[token]
                return None
            self._devices[token] = (device, now)
            return device

    def forget(self, token: str | None) -> None:
        """Unpair (sign out) one device."""
        with self._lock:
            self._devices.pop(token or "", None)


def csrf_ok(device: Device, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(header.encode(), device.csrf.encode())


def same_origin(origin: str | None, referer: str | None, host: str | None) -> bool:
    """True when a state-changing request comes from the console's own page: its Origin (or, without
    one, its Referer) names the host the request was sent to. Browsers always send Origin on a
    cross-site POST, so a forged form or fetch from another site fails here."""
    if not host:
        return False
    source = origin if origin and origin != "null" else referer
    if not source:
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()
