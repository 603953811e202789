"""`vrtherapy console`: serve the therapist's console and run the sessions it starts on this station.

The web server (uvicorn) runs on a thread of its own; the main thread belongs to the station (Panda3D).
Controls changed during a session are written to the records by a writer thread of their own, so a
commit to disk never holds up a frame.

Bound to 127.0.0.1 unless `--host` says otherwise; pairing with the code shown on the station is
required either way (any program or web page on the station could otherwise reach 127.0.0.1).
"""

from __future__ import annotations

import queue
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vrtherapy.console.context import ConsoleContext, RecordsBridge
from vrtherapy.console.live import ControlEvent
from vrtherapy.console.security import PairingGate
from vrtherapy.console.station import Station
from vrtherapy.errors import VrtherapyError

DEFAULT_PORT = 8765
_LOCAL = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ConsoleOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    db: Path | None = None
    size: tuple[int, int] = (960, 540)


class ControlLog:
    """Writes console controls to the session's record off the session's thread, in order."""

    def __init__(self, db: Path | None, bridge: RecordsBridge, say: Callable[[str], None]) -> None:
        self.db, self.bridge, self.say = db, bridge, say
        self._queue: queue.Queue[tuple[int, ControlEvent]] = queue.Queue()
        threading.Thread(target=self._run, name="console-control-log", daemon=True).start()

    def __call__(self, session_id: int, event: ControlEvent) -> None:
        self._queue.put((session_id, event))

    def _run(self) -> None:
        from vrtherapy.records.store import RecordStore

        while True:
            session_id, event = self._queue.get()
            try:
                with RecordStore.open(self.db) as store:
                    self.bridge.log_control(store, session_id, event)
            except VrtherapyError as exc:
                self.say(f"vrtherapy: could not log {event.what} by {event.who} in session {session_id} ({exc})")
            finally:
                self._queue.task_done()

    def flush(self) -> None:
        self._queue.join()


def add_parser(sub: Any) -> None:
    """`vrtherapy console` on the main parser's subparsers."""
    console = sub.add_parser("console", help="the therapist's console in a browser (patients, playlists, live sessions)")
    console.add_argument("--host", default="127.0.0.1",
                         help="address to listen on (default 127.0.0.1: this station only; e.g. 0.0.0.0 for the "
                              "clinic network, where a tablet pairs with the code shown here)")
    console.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free one)")
    console.add_argument("--db", type=Path, help="the records (default: per-user; VRTHERAPY_DB overrides)")


def run(args: Any, size: tuple[int, int] = (960, 540)) -> int:
    return serve_console(ConsoleOptions(host=args.host, port=args.port, db=args.db, size=size))


def _port(text: str) -> int:
    from vrtherapy.cli_options import number  # "٨٠" is not port 80: ASCII digits only, range as data

    return int(number("--port")(text))


def run_web_server(server: Any, sock: socket.socket) -> None:
    """The web server's thread, below the session's loop (`live.THREAD_NICENESS`)."""
    from vrtherapy.console.live import lower_this_thread

    lower_this_thread()
    server.run(sockets=[sock])


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """The Host headers the console answers to: its own local names, plus a specific address it is bound
    to; None (any) when bound to every interface, where pairing alone guards it."""
    if host in ("0.0.0.0", "::", ""):
        return None
    names = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}
    names.add(f"{host.lower()}:{port}" if ":" not in host else f"[{host.lower()}]:{port}")
    return names


def build_console(options: ConsoleOptions, say: Callable[[str], None] = print,
                  base: Any = None) -> tuple[ConsoleContext, Any]:  # fmt: skip
    """The console's shared context and its ASGI application (not yet served)."""
    from vrtherapy.console.app import create_app

    def announce(code: str) -> None:
        say(f"vrtherapy: console pairing code: {code[:3]} {code[3:]}  (type it into the console page to pair)")

    gate = PairingGate(announce=announce)
    bridge = RecordsBridge()
    log = ControlLog(options.db, bridge, say)
    station = Station(options.db, say=say, base=base, size=options.size, log=log, pairing_code=lambda: gate.code)
    ctx = ConsoleContext(options.db, gate, station, say=say, records=bridge)
    return ctx, create_app(ctx, allowed_hosts(options.host, options.port))


def serve_console(options: ConsoleOptions, say: Callable[[str], None] = print) -> int:
    """Serve until Ctrl-C: the web server on its thread, sessions on this (the main) thread."""
    import uvicorn

    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((options.host, options.port))
    except OSError as exc:
        raise VrtherapyError(f"--host/--port: cannot listen on {options.host}:{options.port} ({exc.strerror})") from None
    port = sock.getsockname()[1]
    options = ConsoleOptions(options.host, port, options.db, options.size)
    ctx, app = build_console(options, say)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=run_web_server, args=(server, sock), name="console-web", daemon=True)
    thread.start()
    shown = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host
    where = "this station only" if options.host in _LOCAL else "the clinic network"
    say(f"vrtherapy: console at http://{shown}:{port}/ ({where}); Ctrl-C to close")
    sys.stdout.flush()
    try:
        ctx.station.serve()
    except KeyboardInterrupt:
        say("vrtherapy: console closing")
    finally:
        ctx.station.close()
        server.should_exit = True
        thread.join(timeout=5)
    return 0
