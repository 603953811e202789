"""A patient's progress report: report.pdf (a summary page, then one chart per page), each chart as a
PNG, and report.json with the numbers behind them, written into one owner-only folder.

The PDF and JSON are written under a temporary name and renamed when complete, so an interrupted
run never leaves a truncated report where a finished one is expected.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from vrtherapy.records.analysis import FLAG_RULE, DiaryPeriod, JointLookup, ReportData, build_report_data
from vrtherapy.records.figures import CHARTS, DPI, PAGE_INCHES, local
from vrtherapy.records.private import private_folder, write_private_text, written_privately
from vrtherapy.records.profiles import wording
from vrtherapy.records.safe_text import for_terminal
from vrtherapy.records.store import RecordStore

Progress = Callable[[str], None]
#: sessions listed on the summary page (all of them are in report.json and the CSV export)
TABLE_ROWS = 18
#: characters per line of the summary's text at its font size (wider lines are wrapped)
SUMMARY_WIDTH = 125
#: corrections listed on the audit page (all of them are in report.json)
AUDIT_ROWS = 40


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    pdf: Path
    json: Path
    pngs: tuple[Path, ...]
    pages: int
    data: ReportData


def write_report(store: RecordStore, patient_id: str, output: Path, *, now: datetime | None = None,
                 progress: Progress | None = None, joint_of: JointLookup | None = None) -> ReportFiles:  # fmt: skip
    """Write the report of `patient_id` into the folder `output`; `progress` hears one line per step."""
    say = progress or (lambda _line: None)
    steps = len(CHARTS) + 2
    data = build_report_data(store, patient_id, now, joint_of)
    folder = private_folder(Path(output))
    pdf_path = folder / "report.pdf"
    pngs: list[Path] = []
    metadata = {"Title": f"Mirror therapy report, patient {data.profile.patient_id}", "Creator": "vrtherapy",
                "CreationDate": data.generated_at}  # fmt: skip
    pages = 0
    with written_privately(pdf_path) as partial, PdfPages(partial, metadata=metadata) as pdf:
        say(f"[1/{steps}] summary page")
        pdf.savefig(summary_page(data))
        for i, (stem, title, draw) in enumerate(CHARTS, start=2):
            say(f"[{i}/{steps}] {title}")
            fig = draw(data)
            pdf.savefig(fig)
            with written_privately(folder / f"{stem}.png") as png:
                fig.savefig(png, dpi=DPI, format="png")
            pngs.append(folder / f"{stem}.png")
        pdf.savefig(audit_page(data))
        pages = pdf.get_pagecount()
    say(f"[{steps}/{steps}] report.json")
    json_path = folder / "report.json"
    document = data.to_json() | {"figures": [p.name for p in pngs], "pdf_pages": pages}
    write_private_text(json_path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return ReportFiles(folder, pdf_path, json_path, tuple(pngs), pages, data)


def summary_page(data: ReportData) -> Figure:
    fig = Figure(figsize=PAGE_INCHES, dpi=DPI)
    p = data.profile
    fig.text(0.05, 0.94, f"Mirror therapy report: patient {p.patient_id}", fontsize=20, weight="bold")
    lines = [f"Generated {local(data.generated_at):%Y-%m-%d %H:%M} (local time)", ""]
    lines += [part for line in summary_lines(data) for part in textwrap.wrap(line, SUMMARY_WIDTH, subsequent_indent="    ")]
    fig.text(0.05, 0.89, "\n".join(lines), fontsize=11, va="top", linespacing=1.5)
    table = session_table(data)
    if table:
        top = 0.89 - (len(lines) + 1) * 11 * 1.5 / (PAGE_INCHES[1] * 72)  # below the summary's lines
        fig.text(0.05, min(0.45, top), "\n".join(table), fontsize=9, va="top", family="monospace", linespacing=1.35)
    return fig


def summary_lines(data: ReportData) -> list[str]:
    """The headline findings in words, for the first page."""
    p = data.profile
    s = data.summary()
    words = wording(p.condition)
    sizes = ", ".join(f"{k} {v:.2f} m" for k, v in p.measurements.items())
    lines = [
        f"{words.report_label.capitalize()}: {p.affected_side} {p.limb} limb, {p.level.replace('_', ' ')}"
        + (f", {words.date_label} {p.amputation_date.isoformat()}" if p.amputation_date else "")
        + f"; prescribed {p.prescribed_minutes_per_week:g} minutes per week"
        + (f"; intact limb: {sizes}" if sizes else "")
        + (" [ARCHIVED]" if p.archived else ""),
    ]
    if p.notes:
        lines.append(f"Notes: {_clip(p.notes, 150)}")
    b, w = data.baseline, data.latest_week
    lines.append(f"Diary pain, baseline (before session 1): {_period(b)}")
    lines.append(f"Diary pain, latest week: {_period(w)}")
    if not data.sessions:
        lines.append("No sessions recorded yet.")
    else:
        by = s["sessions_by_status"]
        lines.append(f"{s['sessions']} sessions ({by['completed']} completed, {by['capped']} capped by time, "
                     f"{by['stopped']} stopped early, {by['crashed']} crashed, {by['unfinished']} without a recorded end; "
                     f"{s['partial_sessions']} with exercises left undone), {s['total_minutes']:g} minutes in all")  # fmt: skip
        if s["sessions_rated_before_and_after"]:
            flagged = ", ".join(f"#{n}" for n in data.flagged_session_numbers) or "none"
            lines.append(f"Pain before sessions {s['mean_pain_before']:.1f}, after {s['mean_pain_after']:.1f} "
                         f"(mean drop {s['mean_drop']:+.1f} points over {s['sessions_rated_before_and_after']} rated "
                         f"sessions); clinically important ({FLAG_RULE}): {flagged}")  # fmt: skip
        else:
            lines.append("No session has both a before and an after pain rating yet.")
        if s["latest_pgic"] is not None:
            lines.append(f"Latest impression of change (PGIC, 1 very much improved ... 7 very much worse): {s['latest_pgic']}")
        if s["adherence_percent_completed_weeks"] is not None:
            weeks = sum(wk.complete for wk in data.weeks)
            lines.append(f"Adherence: {s['adherence_percent_completed_weeks']:g}% of the prescribed minutes "
                         f"over {weeks} completed weeks")  # fmt: skip
    lines.append(f"{s['pain_entries']} pain ratings ({s['diary_entries']} in the diary)"
                 + (f"; {s['voided_entries_left_out']} voided entries left out (listed in report.json)"
                    if s["voided_entries_left_out"] else "")
                 + (f"; {s['corrections']} corrections in the audit trail (last page)" if s["corrections"] else ""))  # fmt: skip
    if data.triggers:
        lines.append("Triggers (entries, mean pain): "
                     + _clip(", ".join(f"{t.label} ({t.entries}, {t.mean_pain:.1f})" for t in data.triggers), 140))
    if data.medications:
        lines.append("Medications: " + _clip(", ".join(f"{name} ({n})" for name, n in data.medications), 140))
    return lines


def _period(p: DiaryPeriod) -> str:
    if not p.ratings:
        return "no diary ratings"
    parts = [f"mean {p.mean_pain:.1f} over {p.ratings} ratings ({local(p.start):%d %b} to {local(p.end):%d %b})"]  # type: ignore[arg-type]
    if p.mean_phantom is not None:
        parts.append(f"phantom {p.mean_phantom:.1f}")
    if p.mean_residual is not None:
        parts.append(f"residual limb {p.mean_residual:.1f}")
    if p.episodes_per_day is not None:
        parts.append(f"{p.episodes_per_day:.1f} episodes a day")
    if p.episode_minutes is not None:
        parts.append(f"episodes last {p.episode_minutes:.0f} min")
    return "; ".join(parts)


def session_table(data: ReportData) -> list[str]:
    if not data.sessions:
        return []
    shown = data.sessions[-TABLE_ROWS:]
    title = "Sessions" if len(shown) == len(data.sessions) else f"The {len(shown)} most recent sessions"
    rows = [title, f"{'#':>4}  {'date':16}  {'status':10}  {'before':>6}  {'after':>5}  {'drop':>6}  "
                   f"{'minutes':>7}  {'done/planned':>12}  {'PGIC':>4}  playlist"]  # fmt: skip
    for s in shown:
        cells = ["-" if v is None else str(v) for v in (s.pain_before, s.pain_after, s.pgic)]
        change = "-" if s.drop is None else (f"{s.drop:+d}" if s.drop else "0") + (" *" if s.flagged else "")
        done = f"{s.exercises_completed}/{s.exercises_planned}" + (" !" if s.partial else "")
        rows.append(f"{s.number:>4}  {local(s.started_at):%Y-%m-%d %H:%M}  {s.status:10}  {cells[0]:>6}  "
                    f"{cells[1]:>5}  {change:>6}  {s.minutes:7.1f}  {done:>12}  {cells[2]:>4}  "
                    f"{_clip(s.playlist, 20)}")  # fmt: skip
    rows.append(f"* clinically important improvement ({FLAG_RULE});  ! exercises left undone (capped, stopped or skipped)")
    return rows


def audit_page(data: ReportData) -> Figure:
    """The corrections made to this patient's records: who, when, what, why (the latest AUDIT_ROWS)."""
    fig = Figure(figsize=PAGE_INCHES, dpi=DPI)
    fig.text(0.05, 0.94, f"Patient {data.profile.patient_id}: corrections (audit trail)", fontsize=16, weight="bold")
    rows = data.audit[-AUDIT_ROWS:]
    lines = [f"{'when':16}  {'who':18}  {'what':22}  {'old -> new':40}  why"]
    for a in rows:
        change = f"{_clip(str(a.old_value), 18)} -> {_clip(str(a.new_value), 18)}"
        what = _clip(f"{a.entity} {a.entity_id} {a.field}", 22)
        lines.append(f"{local(a.at):%Y-%m-%d %H:%M}  {_clip(a.by, 18):18}  {what:22}  {change:40}  {_clip(a.reason, 40)}")
    if len(data.audit) > len(rows):
        lines.append(f"(the latest {len(rows)} of {len(data.audit)}; all are in report.json)")
    fig.text(0.05, 0.88, "\n".join(lines), fontsize=8, va="top", family="monospace", linespacing=1.4)
    return fig


def _clip(text: str, limit: int) -> str:
    text = " ".join(for_terminal(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
