"""What each records subcommand does (the parsers are in `records.cli`): parse the options, call the
store, print the outcome. Field errors from the store are re-worded to name the option that set the
field; everything shown from the records goes through `safe_text.for_terminal`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from vrtherapy.records.checks import PAIN_SCORE_RULE, FieldError, FieldErrors, RecordsError, check_pain_score
from vrtherapy.records.database import exists, resolve
from vrtherapy.records.models import JointLookup
from vrtherapy.records.safe_text import for_terminal as shown
from vrtherapy.records.store import RecordStore

T = TypeVar("T")
DEFAULT_OUTPUT = Path("vrtherapy-output")

#: store field -> the option that sets it, so that errors name what the user typed
_OPTION_OF = {
    "patient_id": "--patient", "affected_side": "--side", "level": "--level", "amputation_date": "--amputation-date",
    "prescribed_minutes_per_week": "--minutes-per-week", "measurements": "--measure", "notes": "--notes",
    "triggers": "--trigger", "medications": "--medication", "duration_min": "--duration-min", "note": "--note",
    "at": "--at", "score": "--score", "location": "--location", "episodes": "--episodes", "entry_id": "--entry",
    "session_id": "--session", "reason": "--reason", "pgic": "--score", "by": "--by", "condition": "--condition",
    "limb": "--limb",
}  # fmt: skip


def run_command(args: argparse.Namespace, joint_of: JointLookup | None = None) -> int:
    creating = args.command == "patient" and args.patient_command == "add"
    with _open(args.db, create=creating, by=getattr(args, "by", None)) as store, _options():
        for notice in store.notices:
            print(f"vrtherapy: {notice}", file=sys.stderr)
        handler = _HANDLERS[(args.command, _sub(args))]
        args.joint_of = joint_of
        return handler(store, args)


def _sub(args: argparse.Namespace) -> str:
    return str(getattr(args, f"{args.command}_command", "") or "")


def _patient_list(store: RecordStore, args: argparse.Namespace) -> int:
    profiles = store.search_patients(args.search, include_archived=args.all)
    if not profiles:
        print(f"vrtherapy: no patients in {store.path}" + (" match" if args.search else " yet (vrtherapy patient add ...)"))
    for p in profiles:
        sessions = store.sessions(p.patient_id)
        last = f", last {sessions[-1].started_at.astimezone():%Y-%m-%d}" if sessions else ""
        archived = f" [archived {p.archived_at.astimezone():%Y-%m-%d}]" if p.archived_at else ""
        print(f"{p.patient_id}: {p.condition}, {p.affected_side} {p.limb}, {p.level}; {p.prescribed_minutes_per_week:g} "
              f"min/week prescribed; {len(sessions)} sessions{last}{archived}")  # fmt: skip
    return 0


def _profile_changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for option, field in (("side", "affected_side"), ("limb", "limb"), ("level", "level"), ("notes", "notes"),
                          ("condition", "condition")):  # fmt: skip
        if getattr(args, option, None) is not None:
            changes[field] = getattr(args, option)
    if args.minutes_per_week is not None:
        changes["prescribed_minutes_per_week"] = _parse("--minutes-per-week", args.minutes_per_week, float, "a number")
    if args.amputation_date is not None:
        changes["amputation_date"] = _parse("--amputation-date", args.amputation_date, date.fromisoformat,
                                             "an ISO date (e.g. 2024-03-01)")  # fmt: skip
    if args.measure:
        changes["measurements"] = _measurements(args.measure)
    return changes


def _patient_add(store: RecordStore, args: argparse.Namespace) -> int:
    from vrtherapy.records.models import PatientProfile

    values = {"patient_id": args.patient, **_profile_changes(args)}
    errors = store.profile_errors(values)
    if errors:
        raise FieldErrors(errors)
    profile = store.add_patient(PatientProfile(**values))
    print(f"vrtherapy: added patient {profile.patient_id} ({profile.condition}, {profile.affected_side} {profile.limb}, "
          f"{profile.level}) to {store.path}")  # fmt: skip
    return 0


def _patient_update(store: RecordStore, args: argparse.Namespace) -> int:
    changes = _profile_changes(args)
    current = store.patient(args.patient)
    if "measurements" in changes:
        changes["measurements"] = current.measurements | changes["measurements"]
    store.update_patient(current.patient_id, changes, reason=args.reason, by=args.by)
    print(f"vrtherapy: updated patient {current.patient_id}" + (f" ({', '.join(sorted(changes))})" if changes else
                                                                 " (nothing to change)"))  # fmt: skip
    return 0


def _patient_archive(store: RecordStore, args: argparse.Namespace) -> int:
    archive = args.patient_command == "archive"
    (store.archive_patient if archive else store.restore_patient)(args.patient, reason=args.reason, by=args.by)
    print(f"vrtherapy: {'archived' if archive else 'restored'} patient {store.patient(args.patient).patient_id}")
    return 0


def _patient_audit(store: RecordStore, args: argparse.Namespace) -> int:
    rows = store.audit_trail(args.patient)
    if not rows:
        print("vrtherapy: no corrections recorded")
    for a in rows:
        print(f"{a.at.astimezone():%Y-%m-%d %H:%M}  {shown(a.by)}  {a.entity} {shown(a.entity_id)} {a.field}: "
              f"{shown(str(a.old_value))[:60]} -> {shown(str(a.new_value))[:60]}  ({shown(a.reason)})")  # fmt: skip
    return 0


def _pain_list(store: RecordStore, args: argparse.Namespace) -> int:
    entries = store.pain_entries(args.patient)
    if not entries:
        print(f"vrtherapy: no pain ratings for {store.patient(args.patient).patient_id} yet")
    numbers = {s.id: s.number for s in store.sessions(args.patient)}
    for e in entries:
        context = f"session #{numbers.get(e.session_id, e.session_id)}" if e.session_id is not None else "diary"
        extras = [e.location or "", f"{e.episodes} episodes that day" if e.episodes is not None else "",
                  f"lasted {e.duration_min:g} min" if e.duration_min is not None else "",
                  f"triggers: {', '.join(e.triggers)}" if e.triggers else "",
                  f"medications: {', '.join(e.medications)}" if e.medications else "", e.note,
                  f"VOIDED: {e.void_reason}" if e.voided else ""]  # fmt: skip
        print(shown(f"[{e.id:>4}] {e.at.astimezone():%Y-%m-%d %H:%M}  {e.score:>2}/10  {e.kind:7}  {context}"
                    + "".join(f"; {x}" for x in extras if x)))  # fmt: skip
    return 0


def _pain_values(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.score is not None:
        values["score"] = _score(args.score)
    if args.duration_min is not None:
        values["duration_min"] = _parse("--duration-min", args.duration_min, float, "a number")
    if args.episodes is not None:
        values["episodes"] = _parse("--episodes", args.episodes, int, "a whole number")
    if args.at is not None:
        values["at"] = _parse("--at", args.at, datetime.fromisoformat, "an ISO date and time (e.g. 2024-03-01T18:30)")
    for option, field in (("trigger", "triggers"), ("medication", "medications"), ("note", "note"),
                          ("location", "location")):  # fmt: skip
        if getattr(args, option) is not None:
            values[field] = getattr(args, option)
    return values


def _pain_add(store: RecordStore, args: argparse.Namespace) -> int:
    values = _pain_values(args)
    score = values.pop("score")
    entry = store.add_pain(args.patient, score, "between", **values)
    print(f"vrtherapy: logged pain {score}/10 for {store.pain_entry(entry).patient_id} (entry {entry})")
    return 0


def _pain_edit(store: RecordStore, args: argparse.Namespace) -> int:
    entry = _parse("--entry", args.entry, int, "an entry number (see vrtherapy pain list)")
    values = _pain_values(args)
    if not values:
        raise RecordsError("pain edit: give at least one of --score, --at, --trigger, --medication, --duration-min, "
                           "--episodes, --location, --note")  # fmt: skip
    store.edit_pain(entry, values, reason=args.reason, by=args.by)
    print(f"vrtherapy: corrected pain entry {entry} ({', '.join(sorted(values))})")
    return 0


def _pain_void(store: RecordStore, args: argparse.Namespace) -> int:
    entry = _parse("--entry", args.entry, int, "an entry number (see vrtherapy pain list)")
    e = store.void_pain(entry, reason=args.reason, by=args.by)
    print(f"vrtherapy: voided pain entry {entry} ({e.score}/10, {e.kind}, patient {e.patient_id})")
    return 0


def _session_list(store: RecordStore, args: argparse.Namespace) -> int:
    sessions = store.sessions(args.patient)
    if not sessions:
        print(f"vrtherapy: no sessions for {store.patient(args.patient).patient_id} yet")
    for s in sessions:
        pain = "/".join("-" if v is None else str(v) for v in (s.pain_before, s.pain_after))
        planned = s.exercises_planned if s.exercises_planned is not None else len(s.exercises)
        print(shown(f"#{s.number:<3} (id {s.id}) {s.started_at.astimezone():%Y-%m-%d %H:%M}  {s.status:10}  pain {pain:5}  "
                    f"{s.exercises_done}/{planned} exercises  {s.minutes:.1f} min  {s.playlist}  {s.station}"))  # fmt: skip
    return 0


def _session_rate(store: RecordStore, args: argparse.Namespace) -> int:
    session = _parse("--session", args.session, int, "a session id (see vrtherapy session list)")
    score = _score(args.score)
    entry = store.add_session_rating(session, args.when, score, reason=args.reason, by=args.by)
    print(f"vrtherapy: added pain-{args.when} {score}/10 to session {session} (entry {entry})")
    return 0


def _session_pgic(store: RecordStore, args: argparse.Namespace) -> int:
    session = _parse("--session", args.session, int, "a session id (see vrtherapy session list)")
    score = _parse("--score", args.score, int, "a whole number from 1 to 7")
    store.set_pgic(session, score, reason=args.reason, by=args.by)
    print(f"vrtherapy: session {session}: impression of change {score}/7 recorded")
    return 0


def _report(store: RecordStore, args: argparse.Namespace) -> int:
    from vrtherapy.records.report import write_report  # matplotlib: only when a report is asked for

    pid = store.patient(args.patient).patient_id  # an unknown patient is refused before any folder is made
    output = args.output or DEFAULT_OUTPUT / f"report-{pid}"
    files = write_report(store, pid, output, progress=lambda line: print(f"vrtherapy: report {line}", flush=True),
                         joint_of=args.joint_of)  # fmt: skip
    flagged = ", ".join(f"#{n}" for n in files.data.flagged_session_numbers) or "none"
    print(f"vrtherapy: {len(files.data.sessions)} sessions; clinically important improvement: {flagged}")
    print(f"vrtherapy: report written to {files.folder.resolve()} (report.pdf, {files.pages} pages; "
          f"{len(files.pngs)} charts; report.json)")  # fmt: skip
    return 0


def _export(store: RecordStore, args: argparse.Namespace) -> int:
    ids = [store.patient(p).patient_id for p in args.patient or ()]
    output = args.output or DEFAULT_OUTPUT / "export"
    if args.format == "fhir":
        from vrtherapy.records.fhir import export_fhir

        paths = export_fhir(store, output, ids or None, args.joint_of)
    else:
        from vrtherapy.records.export import export_csv

        paths = export_csv(store, output, ids or None)
    for path in paths:
        print(f"vrtherapy: wrote {path}")
    return 0


_HANDLERS: dict[tuple[str, str], Callable[[RecordStore, argparse.Namespace], int]] = {
    ("patient", "add"): _patient_add, ("patient", "update"): _patient_update, ("patient", "list"): _patient_list,
    ("patient", "archive"): _patient_archive, ("patient", "restore"): _patient_archive,
    ("patient", "audit"): _patient_audit, ("pain", "add"): _pain_add, ("pain", "list"): _pain_list,
    ("pain", "edit"): _pain_edit, ("pain", "void"): _pain_void, ("session", "list"): _session_list,
    ("session", "rate"): _session_rate, ("session", "pgic"): _session_pgic, ("report", ""): _report, ("export", ""): _export,
}  # fmt: skip


@contextmanager
def _open(db: str | None, *, create: bool, by: str | None) -> Iterator[RecordStore]:
    target = resolve(db)
    if not create and not exists(target):
        raise RecordsError(f"{target.shown}: no records here yet (start with: vrtherapy patient add ...)")
    with RecordStore.open(db, station=by) as store:
        yield store


@contextmanager
def _options() -> Iterator[None]:
    """Re-word a store error about a field as one about the option that set it."""
    try:
        yield
    except FieldErrors as exc:
        parts = [f"{_OPTION_OF.get(f, f)}: {p}" for f, p in exc.errors.items()]
        raise RecordsError("; ".join(parts)) from None
    except FieldError as exc:
        base, _, detail = exc.field.partition(".")
        if base in _OPTION_OF:
            raise RecordsError(f"{_OPTION_OF[base]}{detail and ' ' + detail}: {exc.problem}") from None
        raise


def _score(text: str) -> int:
    """The --score text as a pain score; only ASCII digits count (a full-width or Arabic-Indic digit is refused)."""
    if re.fullmatch(r"\s*[+-]?[0-9]+\s*", text, flags=re.ASCII):
        try:
            return check_pain_score(int(text))
        except FieldError as exc:
            raise RecordsError(f"--score: {exc.problem}") from None
    raise RecordsError(f"--score: {PAIN_SCORE_RULE} (got {shown(repr(text))})")


def _parse(option: str, text: str, convert: Callable[[str], T], what: str) -> T:
    if not text.isascii():
        raise RecordsError(f"{option}: {shown(repr(text))} is not {what} (use plain ASCII digits)")
    try:
        return convert(text)
    except (ValueError, OverflowError):
        raise RecordsError(f"{option}: {shown(repr(text))} is not {what}") from None


def _measurements(items: list[str]) -> dict[str, float]:
    sizes: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise RecordsError(f"--measure: {shown(repr(item))}: use NAME=METRES, e.g. forearm=0.26")
        sizes[name.strip()] = _parse(f"--measure {shown(name.strip())}", value, float, "a number")
    return sizes
