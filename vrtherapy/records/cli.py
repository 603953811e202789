"""The record-keeping subcommands of `vrtherapy`: patient, pain, report and export.

`add_parsers` adds them to the main parser and `run` carries one out; `vrtherapy.cli` prints any
`VrtherapyError` as one line and exits with status 2. Every subcommand takes `--db PATH` (default:
`$VRTHERAPY_DB`, else the per-user records file). Only `patient add` creates a records file; the
others refuse a path with no records yet, so a mistyped `--db` is noticed instead of answered with an
empty database.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from vrtherapy.records.models import (
    KNOWN_LEVELS,
    LIMBS,
    PAIN_SCORE_RULE,
    SIDES,
    PatientProfile,
    RecordsError,
    check_pain_score,
)
from vrtherapy.records.store import RecordStore, default_db_path

COMMANDS = ("patient", "pain", "report", "export")
T = TypeVar("T")
DEFAULT_OUTPUT = Path("vrtherapy-output")

#: store field -> the option that sets it, so that errors name what the user typed
_OPTION_OF = {
    "affected_side": "--side", "level": "--level", "amputation_date": "--amputation-date",
    "prescribed_minutes_per_week": "--minutes-per-week", "measurements": "--measure", "notes": "--notes",
    "triggers": "--trigger", "medications": "--medication", "duration_min": "--duration-min", "note": "--note",
    "at": "--at",
}  # fmt: skip


def add_parsers(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the patient, pain, report and export subcommands to `sub` (the main parser's subparsers)."""
    patient = sub.add_parser("patient", help="add, change or list patients (pseudonymous IDs, no names)")
    patient_sub = patient.add_subparsers(dest="patient_command", required=True, parser_class=parser_class)
    add = patient_sub.add_parser("add", help="add a patient")
    _db_option(add)
    add.add_argument("--patient", required=True, help="pseudonymous ID, e.g. P001 (letters, digits, _ and -)")
    add.add_argument("--side", required=True, choices=SIDES, help="the affected (missing or paretic) side")
    add.add_argument("--limb", required=True, choices=LIMBS, help="upper (arm) or lower (leg)")
    add.add_argument("--level", required=True, help=f"amputation level or condition ({', '.join(KNOWN_LEVELS)})")
    _profile_options(add)
    update = patient_sub.add_parser("update", help="change a patient's profile (options not given stay as they are)")
    _db_option(update)
    update.add_argument("--patient", required=True, help="the patient's ID")
    update.add_argument("--side", choices=SIDES, help="the affected side")
    update.add_argument("--limb", choices=LIMBS, help="upper or lower")
    update.add_argument("--level", help="amputation level or condition")
    _profile_options(update)
    listing = patient_sub.add_parser("list", help="list patients with their sessions so far")
    _db_option(listing)

    pain = sub.add_parser("pain", help="the pain log (NRS 0-10)")
    pain_sub = pain.add_subparsers(dest="pain_command", required=True, parser_class=parser_class)
    pain_add = pain_sub.add_parser("add", help="log pain between sessions")
    _db_option(pain_add)
    pain_add.add_argument("--patient", required=True, help="the patient's ID")
    pain_add.add_argument("--score", required=True, help="pain intensity, a whole number from 0 (none) to 10 (worst)")
    pain_add.add_argument("--trigger", action="append", default=[], help="what set it off (repeatable): stress, "
                          "weather change, full bladder, ...")  # fmt: skip
    pain_add.add_argument("--medication", action="append", default=[], help="medicine taken (repeatable)")
    pain_add.add_argument("--duration-min", help="how long the pain lasted, minutes")
    pain_add.add_argument("--note", default="", help="free text")
    pain_add.add_argument("--at", help="when, ISO date and time, e.g. 2024-03-01T18:30 (local; default: now)")
    pain_list = pain_sub.add_parser("list", help="a patient's pain log, oldest first")
    _db_option(pain_list)
    pain_list.add_argument("--patient", required=True, help="the patient's ID")

    report = sub.add_parser("report", help="progress report: report.pdf, charts as PNG, report.json")
    _db_option(report)
    report.add_argument("--patient", required=True, help="the patient's ID")
    report.add_argument("--output", type=Path, help="folder (default: vrtherapy-output/report-<patient>)")

    export = sub.add_parser("export", help="records as CSV files: patients, sessions, exercises, pain")
    _db_option(export)
    export.add_argument("--patient", action="append", help="patient ID (repeatable; default: every patient)")
    export.add_argument("--output", type=Path, help="folder (default: vrtherapy-output/export)")


def run(args: argparse.Namespace) -> int:
    """Carry out one of `COMMANDS`; RecordsError for anything the user can fix."""
    creating = args.command == "patient" and args.patient_command == "add"
    with _open(args.db, create=creating) as store, _options():
        if args.command == "patient":
            return _patient(store, args)
        if args.command == "pain":
            return _pain(store, args)
        if args.command == "report":
            return _report(store, args)
        if args.command == "export":
            return _export(store, args)
    raise AssertionError(args.command)


def _patient(store: RecordStore, args: argparse.Namespace) -> int:
    if args.patient_command == "list":
        profiles = store.patients()
        if not profiles:
            print(f"vrtherapy: no patients in {store.path} yet (vrtherapy patient add ...)")
        for p in profiles:
            sessions = store.sessions(p.patient_id)
            last = f", last {sessions[-1].started_at.astimezone():%Y-%m-%d}" if sessions else ""
            print(f"{p.patient_id}: {p.affected_side} {p.limb}, {p.level}; {p.prescribed_minutes_per_week:g} min/week "
                  f"prescribed; {len(sessions)} sessions{last}")  # fmt: skip
        return 0
    changes: dict[str, Any] = {}
    for option, field in (("side", "affected_side"), ("limb", "limb"), ("level", "level"), ("notes", "notes")):
        if getattr(args, option) is not None:
            changes[field] = getattr(args, option)
    if args.minutes_per_week is not None:
        changes["prescribed_minutes_per_week"] = _parse("--minutes-per-week", args.minutes_per_week, float, "a number")
    if args.amputation_date is not None:
        changes["amputation_date"] = _parse("--amputation-date", args.amputation_date, date.fromisoformat,
                                             "an ISO date (e.g. 2024-03-01)")
    if args.measure:
        changes["measurements"] = _measurements(args.measure)
    if args.patient_command == "add":
        profile = PatientProfile(patient_id=args.patient, **changes)
        store.add_patient(profile)
        print(f"vrtherapy: added patient {profile.patient_id} ({profile.affected_side} {profile.limb}, "
              f"{profile.level}) to {store.path}")  # fmt: skip
        return 0
    current = store.patient(args.patient)
    if "measurements" in changes:
        changes["measurements"] = current.measurements | changes["measurements"]
    store.update_patient(replace(current, **changes))
    print(f"vrtherapy: updated patient {args.patient}" + (f" ({', '.join(sorted(changes))})" if changes else
                                                           " (nothing to change)"))  # fmt: skip
    return 0


def _pain(store: RecordStore, args: argparse.Namespace) -> int:
    if args.pain_command == "list":
        for e in store.pain_entries(args.patient):
            context = f"session {e.session_id}" if e.session_id is not None else "between sessions"
            extras = [f"triggers: {', '.join(e.triggers)}" if e.triggers else "",
                      f"medications: {', '.join(e.medications)}" if e.medications else "",
                      f"lasted {e.duration_min:g} min" if e.duration_min is not None else "",
                      e.note]  # fmt: skip
            print(f"{e.at.astimezone():%Y-%m-%d %H:%M}  {e.score:>2}/10  {e.kind:7}  {context}"
                  + "".join(f"; {x}" for x in extras if x))  # fmt: skip
        return 0
    score = _score(args.score)
    duration = None if args.duration_min is None else _parse("--duration-min", args.duration_min, float, "a number")
    at = None if args.at is None else _parse("--at", args.at, datetime.fromisoformat,
                                             "an ISO date and time (e.g. 2024-03-01T18:30)")
    entry = store.add_pain(args.patient, score, "between", at=at, triggers=args.trigger,
                           medications=args.medication, duration_min=duration, note=args.note)  # fmt: skip
    print(f"vrtherapy: logged pain {score}/10 for {args.patient} (entry {entry})")
    return 0


def _report(store: RecordStore, args: argparse.Namespace) -> int:
    from vrtherapy.records.report import write_report  # matplotlib: only when a report is asked for

    store.patient(args.patient)  # an unknown patient is refused before any folder is made
    output = args.output or DEFAULT_OUTPUT / f"report-{args.patient}"
    files = write_report(store, args.patient, output, progress=lambda line: print(f"vrtherapy: report {line}",
                                                                                  flush=True))  # fmt: skip
    flagged = ", ".join(f"#{i}" for i in files.data.flagged_session_ids) or "none"
    print(f"vrtherapy: {len(files.data.sessions)} sessions; clinically important improvement: {flagged}")
    print(f"vrtherapy: report written to {files.folder.resolve()} (report.pdf, {files.pages} pages; "
          f"{len(files.pngs)} charts; report.json)")  # fmt: skip
    return 0


def _export(store: RecordStore, args: argparse.Namespace) -> int:
    from vrtherapy.records.export import export_csv

    for patient_id in args.patient or ():
        store.patient(patient_id)
    output = args.output or DEFAULT_OUTPUT / "export"
    for path in export_csv(store, output, args.patient):
        print(f"vrtherapy: wrote {path}")
    return 0


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="records file (default: $VRTHERAPY_DB, else the per-user data folder)")


def _profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--amputation-date", help="ISO date, e.g. 2024-03-01")
    parser.add_argument("--minutes-per-week", help="prescribed therapy minutes per week (default 60)")
    parser.add_argument("--measure", action="append", metavar="NAME=METRES", default=[],
                        help="an intact-limb measurement, e.g. forearm=0.26 (repeatable)")  # fmt: skip
    parser.add_argument("--notes", help="free text")


@contextmanager
def _open(path: Path | None, *, create: bool) -> Iterator[RecordStore]:
    target = path if path is not None else default_db_path()
    if not create and not target.exists():
        raise RecordsError(f"{target}: no records here yet (start with: vrtherapy patient add ...)")
    with RecordStore.open(target) as store:
        yield store


@contextmanager
def _options() -> Iterator[None]:
    """Re-word a store error about a field as one about the option that set it."""
    try:
        yield
    except RecordsError as exc:
        field, sep, rest = str(exc).partition(": ")
        base = field.split(".")[0]
        if sep and base in _OPTION_OF:
            detail = field.partition(".")[2]
            raise RecordsError(f"{_OPTION_OF[base]}{detail and ' ' + detail}: {rest}") from None
        raise


def _score(text: str) -> int:
    """The --score text as a pain score; the error shows the number as typed, or the quoted text."""
    if re.fullmatch(r"\s*[+-]?[0-9]+\s*", text):  # ASCII digits: int() would read "٣" as 3
        try:
            return check_pain_score(int(text))
        except RecordsError as exc:
            raise RecordsError(f"--score: {exc}") from None
    try:
        float(text)
        shown = text.strip()
    except ValueError:
        shown = repr(text)
    raise RecordsError(f"--score: {PAIN_SCORE_RULE} (got {shown})")


def _parse(option: str, text: str, convert: Callable[[str], T], what: str) -> T:
    if not text.isascii():  # float() and int() read Arabic-Indic and full-width digits as numbers
        raise RecordsError(f"{option}: {text!r} is not {what} (use the digits 0-9)")
    try:
        return convert(text)
    except ValueError:
        raise RecordsError(f"{option}: {text!r} is not {what}") from None


def _measurements(items: list[str]) -> dict[str, float]:
    sizes: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise RecordsError(f"--measure: {item!r}: use NAME=METRES, e.g. forearm=0.26")
        sizes[name.strip()] = _parse(f"--measure {name.strip()}", value, float, "a number")
    return sizes
