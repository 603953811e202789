"""The `vrtherapy` command line.

Errors a user can act on (a bad file, a missing display) print one line, `vrtherapy: ...`, and exit
with status 2; no traceback. Numeric options and their ranges are in `cli_options`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

from vrtherapy.cli_options import frame_size, number
from vrtherapy.console import command as console_command
from vrtherapy.errors import VrtherapyError
from vrtherapy.records import cli as records_cli
from vrtherapy.records.safe_text import for_terminal
from vrtherapy.render.display import DISPLAY_MODES
from vrtherapy.therapy.pacing import SESSION_FPS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line instead of usage + message
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _display(text: str) -> str:
    if text not in DISPLAY_MODES:
        raise argparse.ArgumentTypeError(f"unknown display mode {text!r} (choose from {', '.join(DISPLAY_MODES)})")
    return text


def _add_tracking_loss_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rest-after", type=number("--rest-after"), default=1.0, metavar="SECONDS",
                        help="when the limb leaves the view, hold its pose this long before it eases to rest (default 1)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vrtherapy", description="Virtual-reality mirror therapy.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="run the demo playlist with a synthetic patient")
    demo.add_argument("--display", type=_display, default="auto", help="auto (default), xr, window or offscreen")
    demo.add_argument("--seconds", type=number("--seconds"), help="how long to run (default: the whole playlist)")
    demo.add_argument("--output", type=Path, help="folder for the video, frames and summary.json")
    demo.add_argument("--affected-side", choices=("left", "right"), default="left",
                      help="the missing or paretic side, where the virtual limb appears (default: left)")
    demo.add_argument("--keep-partial", action="store_true",
                      help="exit 0 even if under half of the tracked samples showed the limb")
    demo.add_argument("--phantom-only", action="store_true", help="draw only the virtual limb, not the intact one")
    demo.add_argument("--playlist", help="playlist name in scenes/playlists or a TOML path (default: demo; lower "
                                         "for a replayed leg recording)")
    demo.add_argument("--scene", help="scene TOML (default: scenes/clinic_room.toml)")
    demo.add_argument("--size", type=frame_size, default=(960, 540), help="frame size WIDTHxHEIGHT (default 960x540)")
    demo.add_argument("--fps", type=number("--fps"), default=SESSION_FPS, help=f"target frame rate (default {SESSION_FPS:g})")
    demo.add_argument("--skin-tone", default="medium", help="porcelain, fair, medium, olive, brown, deep or #rrggbb")
    _add_tracking_loss_option(demo)
    demo.add_argument("--tracker", default="synthetic",
                      help="synthetic (default), replay:FILE (a recording) or mediapipe:SOURCE (a camera index, "
                           "video, image or folder; add ,mirrored for a selfie-view camera, ,view=top for a camera "
                           "above the table), "
                           "or headset (its hand tracking or controller, with --display xr)")

    calibrate = sub.add_parser("calibrate", help="measure a patient's intact limb (rest, open hand, fist) for every session")
    calibrate.add_argument("--patient", required=True, help="the patient's ID in the records")
    calibrate.add_argument("--tracker", default="mediapipe:0",
                           help="mediapipe:SOURCE (default mediapipe:0, the first camera), replay:FILE or synthetic")
    calibrate.add_argument("--db", help="the records: an SQLite file or a postgresql:// URL (default: $VRTHERAPY_DB)")
    calibrate.add_argument("--display", choices=("auto", "none"), default="auto",
                           help="auto: show the steps in a window when a desktop is there (the terminal always)")

    record = sub.add_parser("record", help="record tracked motion to a file for replay and review")
    record.add_argument("--tracker", default="synthetic",
                        help="synthetic (default), or mediapipe:SOURCE (a camera index, video, image or folder; "
                             "add ,mirrored for a selfie-view camera, ,view=top for a camera above the table)")
    record.add_argument("--seconds", type=number("--seconds"),
                        help="how long to record (default: 10 s live; a whole video or folder of images)")
    record.add_argument("--side", choices=("left", "right"), default="right", help="the tracked (intact) side")
    record.add_argument("--limb", choices=("arm", "leg"), default="arm", help="the tracked limb (default arm)")
    record.add_argument("--playlist", help="what the synthetic patient performs (default: demo for an arm, lower for a leg)")
    record.add_argument("--output", type=Path, required=True, help="the recording file to write (.vtrec)")
    record.add_argument("--keep-partial", action="store_true",
                        help="keep the recording even if under half of its samples tracked the limb")

    track = sub.add_parser("track", help="find hands in an image, a folder of images or a video; joint angles per frame")
    track.add_argument("source", help="an image, a folder of images, or a video file")
    track.add_argument("--json", action="store_true", help="one JSON object per frame (JSON lines)")
    track.add_argument("--view", choices=("front", "top"), default="front",
                       help="where the camera was: facing the person (front, default) or above the table (top)")
    track.add_argument("--mirrored", action="store_true", help="the images are mirror images (a selfie view)")

    sub.add_parser("prepare", help="compile the motion kernels for this machine ahead of the first session")
    bench = sub.add_parser("bench", help="measure the per-frame cost of each stage")
    bench.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    bench.add_argument("--size", type=frame_size, default=(960, 540))
    bench.add_argument("--tracking-video", type=Path,
                       help="video for the webcam-tracking figures (default: ../shared/data's handpose3d cam1.mp4)")
    bench.add_argument("--no-tracking", action="store_true", help="leave out the webcam-tracking figures")
    bench.add_argument("--no-console", action="store_true", help="leave out the console's live-view figures")

    models = sub.add_parser("models", help="the limb models")
    models_sub = models.add_subparsers(dest="models_command", required=True, parser_class=_Parser)
    build = models_sub.add_parser("build", help="regenerate the limb models from their parametric description")
    build.add_argument("--output", type=Path, help="folder (default: the project's models/)")
    shots = models_sub.add_parser("screenshots", help="pictures of the limbs and rooms for every skin tone, "
                                  "and a contact sheet")
    shots.add_argument("--output", type=Path, default=Path("vrtherapy-output") / "limb-screenshots",
                       help="folder for the PNG files (default: vrtherapy-output/limb-screenshots)")
    shots.add_argument("--skin-tone", help="only this tone: porcelain, fair, medium, olive, brown, deep or #rrggbb "
                       "(default: every preset)")
    records_cli.add_parsers(sub, _Parser)
    console_command.add_parser(sub)

    run = sub.add_parser("run", help="run and record a therapy session for a patient")
    run.add_argument("--patient", required=True, help="the patient's ID in the records (see vrtherapy patient)")
    run.add_argument("--playlist", required=True, help="upper, lower, first_visit, ... (scenes/playlists) or a TOML path")
    run.add_argument("--display", type=_display, default="auto", help="auto (default), xr, window or offscreen")
    _add_tracking_loss_option(run)
    run.add_argument("--tracker", default="synthetic",
                     help="synthetic (default), replay:FILE, mediapipe:SOURCE (a camera, video or images) "
                          "or headset (its hand tracking or controller)")
    run.add_argument("--pain-before", type=number("--pain-before"), help="pain before the session, 0-10 (else asked on screen)")
    run.add_argument("--pain-after", type=number("--pain-after"), help="pain after the session, 0-10 (else asked on screen)")
    run.add_argument("--db", help="the records: an SQLite file or a postgresql:// URL (default: $VRTHERAPY_DB, else per-user)")
    run.add_argument("--seconds", type=number("--seconds"),
                     help="the session's maximum length (the playlist's own cap also applies)")
    run.add_argument("--scene", help="scene TOML (default: scenes/clinic_room.toml)")
    run.add_argument("--size", type=frame_size, default=(960, 540), help="frame size WIDTHxHEIGHT (default 960x540)")
    run.add_argument("--fps", type=number("--fps"), default=SESSION_FPS, help=f"target frame rate (default {SESSION_FPS:g})")
    run.add_argument("--skin-tone", default="medium", help="porcelain, fair, medium, olive, brown, deep or #rrggbb")
    run.add_argument("--output", type=Path, help="folder for what demo leaves: video, key frames, contact sheet, summary")
    return parser


def main(argv: list[str] | None = None) -> int:
    # FFmpeg inside OpenCV prints its own error ("moov atom not found") before ours about an unreadable
    # video: the line the user gets is ours alone (set here, at the command's edge, unless already set).
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except VrtherapyError as exc:  # file names and values in it are shown as typed, escapes made visible
        print(f"vrtherapy: {for_terminal(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder that cannot be written, a full disk: the user's to fix
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"vrtherapy: {for_terminal(f'{where}{exc.strerror or exc}')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vrtherapy: stopped", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in records_cli.COMMANDS:
        from vrtherapy.therapy.rom_joints import exercise_joint

        return records_cli.run(args, joint_of=exercise_joint)
    if args.command == "console":
        from vrtherapy.prepare import ready_for_frames

        ready_for_frames()
        return console_command.run(args)
    if args.command == "prepare":
        from vrtherapy.prepare import prepare

        prepare()
        return 0
    if args.command in ("run", "demo"):
        from vrtherapy.prepare import ready_for_frames

        ready_for_frames()
    if args.command == "run":
        from vrtherapy.limbs.appearance import parse_skin_tone
        from vrtherapy.therapy.run_session import RunOptions, format_report, run_session

        try:
            parse_skin_tone(args.skin_tone)
        except ValueError as exc:
            raise VrtherapyError(f"--skin-tone: {exc}") from None
        report = run_session(RunOptions(
            patient=args.patient, playlist=args.playlist, display=args.display, tracker=args.tracker,
            pain_before=args.pain_before, pain_after=args.pain_after, db=args.db, seconds=args.seconds,
            scene=args.scene, size=args.size, fps=args.fps, skin_tone=args.skin_tone,
            rest_after_s=args.rest_after, output=args.output))  # fmt: skip
        print("\n".join(format_report(report)))
        return 0
    if args.command == "demo":
        from vrtherapy.demo import DemoOptions, run_demo
        from vrtherapy.limbs.appearance import parse_skin_tone

        try:
            parse_skin_tone(args.skin_tone)
        except ValueError as exc:
            raise VrtherapyError(f"--skin-tone: {exc}") from None
        options = DemoOptions(
            display=args.display, seconds=args.seconds, output=args.output, affected_side=args.affected_side,
            show_intact=not args.phantom_only, playlist=args.playlist, scene=args.scene, size=args.size,
            fps=args.fps, skin_tone=args.skin_tone, tracker=args.tracker, rest_after_s=args.rest_after,
        )  # fmt: skip
        folder = run_demo(options)
        summary = json.loads((folder / "summary.json").read_text())
        print(f"vrtherapy: rendered {summary['frames_rendered']} frames at {summary['fps']} fps "
              f"on the {summary['display']['used']} display")  # fmt: skip
        print(f"vrtherapy: output written to {folder.resolve()}")
        from vrtherapy.tracking.tracking_advice import demo_usable_line

        print(f"vrtherapy: {demo_usable_line(summary, args.affected_side, args.keep_partial)}")
        return 0
    if args.command == "calibrate":
        from vrtherapy.calibrate_command import run_calibration

        run_calibration(args.patient, args.tracker, args.db, args.display)
        return 0
    if args.command == "record":
        from vrtherapy.record import record

        count = record(args.tracker, args.side, args.playlist, args.seconds, args.output, args.limb,
                       say=lambda line: print(line, file=sys.stderr), keep_partial=args.keep_partial)  # fmt: skip
        print(f"vrtherapy: recorded {count} samples to {args.output}")
        return 0
    if args.command == "track":
        from vrtherapy.offline_analysis import format_frame, track_frames
        from vrtherapy.tracking.mediapipe_source import CameraSettings

        for frame in track_frames(args.source, CameraSettings(args.view, args.mirrored)):
            print(json.dumps(frame) if args.json else format_frame(frame), flush=True)
        return 0
    if args.command == "bench":
        from vrtherapy.bench import BenchOptions, run_bench
        from vrtherapy.bench import format_report as format_bench_report

        result = run_bench(BenchOptions(size=args.size, tracking=not args.no_tracking, console=not args.no_console,
                                        tracking_video=args.tracking_video))  # fmt: skip
        print(json.dumps(result) if args.json else format_bench_report(result))
        return 0
    if args.command == "models" and args.models_command == "screenshots":
        from vrtherapy.limbs.appearance import parse_skin_tone
        from vrtherapy.render.screenshots import take_screenshots

        try:
            if args.skin_tone is not None:
                parse_skin_tone(args.skin_tone)
        except ValueError as exc:
            raise VrtherapyError(f"--skin-tone: {exc}") from None
        for path in take_screenshots(args.output, args.skin_tone):
            print(f"vrtherapy: wrote {path}")
        return 0
    if args.command == "models":
        from vrtherapy.limbs.model_io import build_default_models

        for path in build_default_models(args.output):
            print(f"vrtherapy: wrote {path}")
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    raise SystemExit(main())
