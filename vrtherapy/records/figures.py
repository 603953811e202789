"""The report's charts, drawn with matplotlib from a `ReportData`.

Each function returns one Figure sized for an A4 landscape page; with nothing to show it still
returns a figure that says so. Times are shown in the machine's local time. Figures are made with
`matplotlib.figure.Figure`, not pyplot: saving one renders it with Agg (PNG) or the PDF backend
whatever pyplot's backend is, no display is needed, and no global figure state is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from vrtherapy.records.analysis import FLAG_RULE, LATEST_DAYS, ReportData
from vrtherapy.records.models import CLINICALLY_IMPORTANT_DROP

PAGE_INCHES = (11.69, 8.27)
DPI = 100
#: Bars of sessions whose pain fell by the clinically important amount; used nowhere else on the plots.
FLAG_COLOR = "#d81b60"
PLAIN_COLOR = "#78909c"
KIND_STYLE = {
    "before": {"marker": "o", "color": "#1e88e5", "label": "before a session"},
    "after": {"marker": "^", "color": "#43a047", "label": "after a session"},
    "between": {"marker": "s", "color": "#8d6e63", "label": "between sessions"},
}


def local(when: datetime) -> datetime:
    return when.astimezone().replace(tzinfo=None)


def pain_trend(data: ReportData) -> Figure:
    fig, ax = _figure(data, "Pain over time (NRS 0-10)")
    pain = data.pain_valid
    if not pain:
        return _empty(fig, ax, "No pain ratings recorded yet.")
    for kind, style in KIND_STYLE.items():
        entries = [e for e in pain if e.kind == kind]
        if entries:
            ax.scatter([local(e.at) for e in entries], [e.score for e in entries], s=42, zorder=3,
                       **style)  # fmt: skip
    rated = {(e.session_id, e.kind): e for e in pain if e.session_id is not None}
    for s in data.sessions:  # each session's effect: a line from its before to its after rating
        before, after = rated.get((s.id, "before")), rated.get((s.id, "after"))
        if before and after:
            ax.plot([local(before.at), local(after.at)], [before.score, after.score], color="#9e9e9e",
                    linewidth=1, zorder=2)  # fmt: skip
    for i, w in enumerate(data.weeks):
        if w.mean_pain is not None:
            start = datetime.combine(w.week_start, datetime.min.time())
            ax.plot([start, start + timedelta(days=7)], [w.mean_pain] * 2, color="#424242", linewidth=2,
                    alpha=0.5, label="weekly diary mean" if i == 0 else None)  # fmt: skip
    latest = data.latest_week
    periods = ((data.baseline, data.baseline.start, "baseline", "#6a1b9a"),
               (latest, latest.end - timedelta(days=LATEST_DAYS) if latest.end else None, "latest week", "#00897b"))  # fmt: skip
    for period, begin, label, color in periods:
        if period.mean_pain is not None and begin is not None and period.end is not None:
            end = max(period.end, begin + timedelta(days=1))
            ax.plot([local(begin), local(end)], [period.mean_pain] * 2, linestyle="--", color=color, linewidth=2.5,
                    label=f"{label} diary mean {period.mean_pain:.1f}")  # fmt: skip
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks(range(11))
    ax.set_ylabel("pain (NRS)")
    _time_axis(ax)
    if data.voided:
        ax.set_title(f"{len(data.voided)} voided entries left out", fontsize=9, loc="right")
    ax.legend(loc="upper right")
    return fig


def pain_drop(data: ReportData) -> Figure:
    fig, ax = _figure(data, "Pain change per session (before - after)")
    rated = [s for s in data.sessions if s.drop is not None]
    if not rated:
        return _empty(fig, ax, "No session has both a before and an after pain rating yet.")
    x = range(len(rated))
    bars = ax.bar(x, [s.drop for s in rated], width=0.7,
                  color=[FLAG_COLOR if s.flagged else PLAIN_COLOR for s in rated])  # fmt: skip
    if len(rated) <= 40:
        ax.bar_label(bars, labels=[f"{s.drop:+d}" if s.drop else "0" for s in rated], padding=2, fontsize=8)
    ax.axhline(CLINICALLY_IMPORTANT_DROP, color="black", linestyle="--", linewidth=1)
    ax.axhline(0, color="black", linewidth=0.8)
    step = max(1, len(rated) // 30)
    ax.set_xticks(list(x)[::step])
    ax.set_xticklabels([f"#{s.number}\n{local(s.started_at):%d %b}" for s in rated][::step], fontsize=8)
    ax.set_xlim(-0.7, len(rated) - 0.3)
    drops = [s.drop for s in rated if s.drop is not None]
    ax.set_ylim(min(0, *drops) - 1, max(CLINICALLY_IMPORTANT_DROP, *drops) + 1)
    ax.set_ylabel("pain before - pain after (NRS points)")
    handles = [Patch(color=PLAIN_COLOR, label="session"),
               Line2D([], [], color="black", linestyle="--",
                                       label=f"{CLINICALLY_IMPORTANT_DROP}-point threshold")]  # fmt: skip
    if any(s.flagged for s in rated):
        handles.insert(0, Patch(color=FLAG_COLOR, label=f"clinically important ({FLAG_RULE})"))
    ax.legend(handles=handles, loc="upper right")
    return fig


def triggers(data: ReportData) -> Figure:
    """Mean pain of the entries naming each trigger, with how many entries that is."""
    fig, ax = _figure(data, "Pain triggers: mean pain of the entries naming each (n entries)")
    if not data.triggers:
        return _empty(fig, ax, "No triggers logged yet.")
    shown = data.triggers[:25][::-1]
    bars = ax.barh([t.label for t in shown], [t.mean_pain for t in shown], color="#fb8c00")
    ax.bar_label(bars, labels=[f"{t.mean_pain:.1f} (n={t.entries})" for t in shown], padding=3, fontsize=8)
    ax.set_xlim(0, 10.5)
    ax.set_xlabel("mean pain (NRS 0-10)")
    if len(data.triggers) > len(shown):
        ax.set_title(f"the {len(shown)} most frequent of {len(data.triggers)}", fontsize=9, loc="right")
    return fig


def medications(data: ReportData) -> Figure:
    return _frequency(data, "Medications taken", data.medications, "No medications logged yet.", "#5e35b1")


def range_of_motion(data: ReportData) -> Figure:
    fig, ax = _figure(data, "Range of motion per exercise and joint (completed exercises)")
    if not data.rom:
        return _empty(fig, ax, "No range-of-motion measurements yet.")
    for name, points in data.rom.items():
        ax.plot([local(p.at) for p in points], [p.rom_deg for p in points], marker="o", markersize=5, label=name)
    ax.set_ylabel("range of motion (degrees); skipped exercises left out")
    ax.set_ylim(bottom=0)
    _time_axis(ax)
    ax.legend(loc="best", fontsize=8)
    return fig


def adherence(data: ReportData) -> Figure:
    prescribed = data.profile.prescribed_minutes_per_week
    fig, ax = _figure(data, f"Therapy minutes per week (prescribed {prescribed:g})")
    if not data.weeks:
        return _empty(fig, ax, "No sessions recorded yet.")
    x = range(len(data.weeks))
    bars = ax.bar(x, [w.minutes for w in data.weeks], width=0.7, color="#00897b")
    for bar, week in zip(bars, data.weeks, strict=False):
        if not week.complete:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    ax.axhline(prescribed, color="black", linestyle="--", linewidth=1, label="prescribed")
    if len(data.weeks) <= 30:
        for i, week in enumerate(data.weeks):
            ax.annotate(f"{week.percent:.0f}%", (i, week.minutes), ha="center", va="bottom", fontsize=8,
                        xytext=(0, 2), textcoords="offset points")  # fmt: skip
    step = max(1, len(data.weeks) // 20)
    ax.set_xticks(list(x)[::step])
    ax.set_xticklabels([f"{w.week_start:%d %b}" for w in data.weeks][::step], fontsize=8, rotation=45)
    ax.set_xlabel("week starting (the hatched week is still under way)")
    ax.set_ylabel("minutes")
    ax.set_ylim(0, max(prescribed, *(w.minutes for w in data.weeks)) * 1.15)
    ax.legend(loc="upper right")
    return fig


#: File stem and drawing function of each chart, in report order.
CHARTS = (
    ("pain_trend", "pain over time", pain_trend),
    ("pain_change", "pain change per session", pain_drop),
    ("triggers", "pain triggers", triggers),
    ("medications", "medications", medications),
    ("range_of_motion", "range of motion", range_of_motion),
    ("adherence", "adherence", adherence),
)


def _frequency(data: ReportData, title: str, counts: tuple[tuple[str, int], ...], empty: str, color: str) -> Figure:
    fig, ax = _figure(data, f"{title} (number of pain entries naming each)")
    if not counts:
        return _empty(fig, ax, empty)
    shown = counts[:25]
    names = [name for name, _ in shown][::-1]
    ax.barh(names, [n for _, n in shown][::-1], color=color)
    ax.set_xlabel("entries")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if len(counts) > len(shown):
        ax.set_title(f"the {len(shown)} most frequent of {len(counts)}", fontsize=9, loc="right")
    return fig


def _figure(data: ReportData, title: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=PAGE_INCHES, dpi=DPI, layout="constrained")
    fig.suptitle(f"Patient {data.profile.patient_id}: {title}", fontsize=14)
    ax = fig.add_subplot()
    ax.grid(True, alpha=0.3)
    ax.set_axisbelow(True)
    return fig, ax


def _empty(fig: Figure, ax: Any, message: str) -> Figure:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=16, transform=ax.transAxes)
    return fig


def _time_axis(ax: Any) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
