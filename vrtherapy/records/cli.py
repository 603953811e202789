"""The record-keeping subcommands of `vrtherapy`: patient, pain, session, report and export.

`add_parsers` adds them to the main parser and `run` carries one out (`cli_actions`); `vrtherapy.cli`
prints any `VrtherapyError` as one line and exits with status 2. Every subcommand takes `--db` (an
SQLite file or a postgresql:// URL; default: `$VRTHERAPY_DB`, else the per-user records file) and
corrections take `--by` (who; default `$VRTHERAPY_STATION`, else user@host) and `--reason`. Only
`patient add` creates a records file; the others refuse a path with no records yet, so a mistyped
`--db` is noticed instead of answered with an empty database.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vrtherapy.records.models import CONDITIONS, LIMBS, PAIN_LOCATIONS, SIDES, JointLookup
from vrtherapy.records.profiles import LEVELS, MEASUREMENTS

COMMANDS = ("patient", "pain", "session", "report", "export")


def add_parsers(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the records subcommands to `sub` (the main parser's subparsers)."""
    levels = "; ".join(f"{c} {lb}: {', '.join(v)}" for (c, lb), v in LEVELS.items())
    measures = "; ".join(f"{lb}: {', '.join(v)}" for lb, v in MEASUREMENTS.items())
    patient = sub.add_parser("patient", help="add, change, archive or list patients (pseudonymous IDs, no names)")
    patient_sub = patient.add_subparsers(dest="patient_command", required=True, parser_class=parser_class)
    add = patient_sub.add_parser("add", help="add a patient")
    _common(add)
    add.add_argument("--patient", required=True, help="pseudonymous ID, e.g. P001 (letters, digits, _ and -; any case)")
    add.add_argument("--side", required=True, choices=SIDES, help="the affected (missing or paretic) side")
    add.add_argument("--limb", required=True, choices=LIMBS, help="upper (arm) or lower (leg)")
    add.add_argument("--condition", choices=CONDITIONS, default="amputation", help="amputation (default) or stroke")
    add.add_argument("--level", required=True, help=f"level, per condition and limb ({levels})")
    _profile_options(add, measures)
    update = patient_sub.add_parser("update", help="correct a patient's profile (options not given stay as they are)")
    _common(update, correction=True)
    update.add_argument("--patient", required=True, help="the patient's ID")
    update.add_argument("--side", choices=SIDES, help="the affected side")
    update.add_argument("--limb", choices=LIMBS, help="upper or lower")
    update.add_argument("--condition", choices=CONDITIONS, help="amputation or stroke")
    update.add_argument("--level", help="level (see patient add --help)")
    _profile_options(update, measures)
    for name, what in (("archive", "archive a patient (kept, not listed, no new sessions)"),
                       ("restore", "bring an archived patient back")):  # fmt: skip
        action = patient_sub.add_parser(name, help=what)
        _common(action, correction=True)
        action.add_argument("--patient", required=True, help="the patient's ID")
    listing = patient_sub.add_parser("list", help="list patients with their sessions so far")
    _common(listing)
    listing.add_argument("--all", action="store_true", help="archived patients too")
    listing.add_argument("--search", default="", help="only patients whose ID, level or notes contain this")
    history = patient_sub.add_parser("audit", help="the audit trail: every correction, who made it, when and why")
    _common(history)
    history.add_argument("--patient", help="one patient's (default: all)")

    pain = sub.add_parser("pain", help="the pain diary (NRS 0-10)")
    pain_sub = pain.add_subparsers(dest="pain_command", required=True, parser_class=parser_class)
    pain_add = pain_sub.add_parser("add", help="log pain between sessions")
    _common(pain_add)
    pain_add.add_argument("--patient", required=True, help="the patient's ID")
    _pain_options(pain_add, required=True)
    pain_list = pain_sub.add_parser("list", help="a patient's pain diary, oldest first, with entry numbers")
    _common(pain_list)
    pain_list.add_argument("--patient", required=True, help="the patient's ID")
    edit = pain_sub.add_parser("edit", help="correct a pain entry (see pain list for its number)")
    _common(edit, correction=True)
    edit.add_argument("--entry", required=True, help="the entry's number")
    _pain_options(edit, required=False)
    void = pain_sub.add_parser("void", help="void a pain entry (kept and marked, left out of charts)")
    _common(void, correction=True)
    void.add_argument("--entry", required=True, help="the entry's number")

    session = sub.add_parser("session", help="past sessions: list them, add a missing pain rating")
    session_sub = session.add_subparsers(dest="session_command", required=True, parser_class=parser_class)
    slist = session_sub.add_parser("list", help="a patient's sessions, numbered per patient")
    _common(slist)
    slist.add_argument("--patient", required=True, help="the patient's ID")
    rate = session_sub.add_parser("rate", help="add a missing before or after pain rating to a past session")
    _common(rate, correction=True)
    rate.add_argument("--session", required=True, help="the session's id (see session list)")
    rate.add_argument("--when", required=True, choices=("before", "after"), help="which rating is missing")
    rate.add_argument("--score", required=True, help="pain, a whole number from 0 to 10")

    pgic = session_sub.add_parser("pgic", help="add or correct a session's patient global impression of change")
    _common(pgic, correction=True)
    pgic.add_argument("--session", required=True, help="the session's id (see session list)")
    pgic.add_argument("--score", required=True, help="1 very much improved, 2 much improved, 3 minimally improved, "
                      "4 no change, 5 minimally worse, 6 much worse, 7 very much worse")  # fmt: skip

    report = sub.add_parser("report", help="progress report: report.pdf, charts as PNG, report.json")
    _common(report)
    report.add_argument("--patient", required=True, help="the patient's ID")
    report.add_argument("--output", type=Path, help="folder (default: vrtherapy-output/report-<patient>)")

    export = sub.add_parser("export", help="records as CSV files, or as a FHIR R4 Bundle (JSON)")
    _common(export)
    export.add_argument("--patient", action="append", help="patient ID (repeatable; default: every patient)")
    export.add_argument("--format", choices=("csv", "fhir"), default="csv", help="csv (default) or fhir (R4 Bundle)")
    export.add_argument("--output", type=Path, help="folder (default: vrtherapy-output/export)")


def run(args: argparse.Namespace, joint_of: JointLookup | None = None) -> int:
    """Carry out one of `COMMANDS`; RecordsError for anything the user can fix. `joint_of` names the joint
    each exercise's range of motion measures, for reports and exports of results recorded without it."""
    from vrtherapy.records.cli_actions import run_command

    return run_command(args, joint_of)


def _common(parser: argparse.ArgumentParser, correction: bool = False) -> None:
    parser.add_argument("--db", help="records: an SQLite file or a postgresql://USER@HOST/DATABASE URL "
                                     "(default: $VRTHERAPY_DB, else the per-user data folder)")  # fmt: skip
    if correction:
        parser.add_argument("--reason", required=True, help="why (kept in the audit trail)")
        parser.add_argument("--by", help="who makes the change (default: $VRTHERAPY_STATION, else user@host)")


def _profile_options(parser: argparse.ArgumentParser, measures: str) -> None:
    parser.add_argument("--amputation-date", help="ISO date, e.g. 2024-03-01 (of the amputation or stroke)")
    parser.add_argument("--minutes-per-week", help="prescribed therapy minutes per week (default 60)")
    parser.add_argument("--measure", action="append", metavar="NAME=METRES", default=[],
                        help=f"an intact-limb measurement, e.g. forearm=0.26 (repeatable; {measures})")  # fmt: skip
    parser.add_argument("--notes", help="free text")


def _pain_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--score", required=required, help="pain intensity, a whole number from 0 (none) to 10 (worst)")
    parser.add_argument("--location", choices=PAIN_LOCATIONS, help="phantom (the missing limb) or residual (the stump)")
    parser.add_argument("--episodes", help="pain episodes that day (a whole number)")
    parser.add_argument("--trigger", action="append", default=None, help="what set it off (repeatable): stress, "
                        "weather change, full bladder, ...")  # fmt: skip
    parser.add_argument("--medication", action="append", default=None, help="medicine taken (repeatable)")
    parser.add_argument("--duration-min", help="how long the episode lasted, minutes")
    parser.add_argument("--note", default=None, help="free text")
    parser.add_argument("--at", help="when, ISO date and time, e.g. 2024-03-01T18:30 (local; default: now)")
