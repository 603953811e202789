"""The console's records pages' API: patients (list, search, register, edit), the pain diary, each
patient's sessions, and the report and exports as jobs with progress.

Every value goes through the records layer's own checks (`records.models`); a refusal comes back as
`{"errors": {field: message}}` with status 422 so the page shows it next to the field it names. "Who"
in every change is the paired therapist's name (`security.Device`).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from vrtherapy.console.context import ConsoleContext, who
from vrtherapy.console.jobs import Progress, step_progress
from vrtherapy.errors import VrtherapyError
from vrtherapy.records.checks import FieldError, FieldErrors
from vrtherapy.records.models import LIMBS, SIDES, PatientProfile
from vrtherapy.records.profiles import CONDITIONS, LEVELS, MEASUREMENTS

_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]]*|patient ID)\b[^:]*?: ")


def field_errors(exc: Exception, default: str = "") -> JSONResponse:
    """A records error as {"errors": {field: message}} (status 422), the field read from its message."""
    errors = getattr(exc, "errors", None)  # the records layer's FieldErrors: a whole form at once
    if isinstance(errors, dict) and errors:
        return JSONResponse({"errors": {str(k): str(v) for k, v in errors.items()}}, status_code=422)
    text = str(exc)
    field = getattr(exc, "field", None) or default
    match = _FIELD.match(text)
    if not getattr(exc, "field", None) and match:
        field = "patient_id" if match[1] == "patient ID" else match[1].split(".")[0]
    return JSONResponse({"errors": {field or "form": text}}, status_code=422)


def profile_json(p: PatientProfile) -> dict[str, Any]:
    data = asdict(p)
    data["amputation_date"] = p.amputation_date.isoformat() if p.amputation_date else None
    return data


def _profile_values(data: dict[str, Any], new: bool) -> dict[str, Any]:
    """The profile form's fields as `PatientProfile` takes them (dates as dates, numbers as numbers); what
    cannot even be read is refused here, the rest by the records layer's own checks."""
    if not isinstance(data, dict):
        raise FieldError("form", "expected a table of fields")
    names = ["affected_side", "limb", "level", "condition", "amputation_date", "measurements",
             "prescribed_minutes_per_week", "notes"] + (["patient_id"] if new else [])  # fmt: skip
    values = {k: data[k] for k in names if k in data}
    when = values.get("amputation_date")
    if when in ("", None):
        values["amputation_date"] = None
    else:
        try:
            values["amputation_date"] = date.fromisoformat(str(when))
        except ValueError:
            raise FieldError("amputation_date", f"{when!r} is not a date (YYYY-MM-DD)") from None
    if values.get("prescribed_minutes_per_week") in ("", None):
        values.pop("prescribed_minutes_per_week", None)
    if values.get("notes") is None:
        values.pop("notes", None)
    return values


def _pain_json(e: Any) -> dict[str, Any]:
    data = asdict(e)
    data["at"] = e.at.isoformat()
    data["voided_at"] = e.voided_at.isoformat() if e.voided_at else None
    return data


def _session_json(s: Any) -> dict[str, Any]:
    return {
        "id": s.id, "number": s.number, "playlist": s.playlist, "display": s.display, "started_at": s.started_at.isoformat(),
        "ended_at": s.ended_at.isoformat() if s.ended_at else None, "status": s.status,
        "pain_before": s.pain_before, "pain_after": s.pain_after, "minutes": round(s.minutes, 1),
        "exercises": [{**asdict(e), "started_at": e.started_at.isoformat()} for e in s.exercises],
    }  # fmt: skip


def router(ctx: ConsoleContext) -> APIRouter:
    api = APIRouter(prefix="/api")

    @api.get("/meta")
    def meta() -> dict[str, Any]:
        return {"sides": SIDES, "limbs": LIMBS, "conditions": CONDITIONS,
                "levels": {f"{c}/{limb}": list(v) for (c, limb), v in LEVELS.items()},
                "measurements": {limb: {k: list(r) for k, r in v.items()} for limb, v in MEASUREMENTS.items()},
                "displays": ["offscreen", "window", "xr"]}  # fmt: skip

    @api.get("/patients")
    def patients(q: str = "") -> dict[str, Any]:
        with ctx.store() as store:
            found = store.search_patients(q)
            rows = []
            for p in found:
                sessions = store.sessions(p.patient_id)
                last = sessions[-1].started_at.isoformat() if sessions else None
                rows.append(profile_json(p) | {"sessions": len(sessions), "last_session": last})
        return {"patients": rows}

    @api.post("/patients")
    def add_patient(request: Request, data: dict[str, Any]) -> Any:
        try:
            values = _profile_values(data, new=True)
            with ctx.store() as store:
                errors = store.profile_errors(values)
                if errors:
                    raise FieldErrors(errors)
                profile = store.add_patient(PatientProfile(**values), by=who(request))
        except VrtherapyError as exc:
            return field_errors(exc, "patient_id" if "already" in str(exc) else "")
        ctx.say(f"vrtherapy: {who(request)} registered patient {profile.patient_id}")
        return profile_json(profile)

    @api.get("/patients/{patient_id}")
    def patient(patient_id: str) -> Any:
        with ctx.store() as store:
            return profile_json(store.patient(patient_id))

    @api.put("/patients/{patient_id}")
    def update_patient(request: Request, patient_id: str, data: dict[str, Any]) -> Any:
        try:
            values = _profile_values(data, new=False)
            with ctx.store() as store:
                errors = store.profile_errors(values, patient_id)
                if errors:
                    raise FieldErrors(errors)
                profile = store.update_patient(patient_id, values, reason=_reason(data), by=who(request))
        except VrtherapyError as exc:
            return field_errors(exc)
        return profile_json(profile)

    @api.get("/patients/{patient_id}/pain")
    def pain(patient_id: str) -> Any:
        with ctx.store() as store:
            return {"entries": [_pain_json(e) for e in store.pain_entries(patient_id)],
                    "audit": ctx.records.audit(store, patient_id)}  # fmt: skip

    @api.post("/patients/{patient_id}/pain")
    def add_pain(request: Request, patient_id: str, data: dict[str, Any]) -> Any:
        try:
            args = _pain_args(data)
            with ctx.store() as store:
                entry_id = store.add_pain(patient_id, args.pop("score", None), "between", **args)
        except VrtherapyError as exc:
            return field_errors(exc)
        ctx.say(f"vrtherapy: {who(request)} logged a pain rating for {patient_id}")
        return {"id": entry_id}

    @api.put("/pain/{entry_id}")
    def edit_pain(request: Request, entry_id: int, data: dict[str, Any]) -> Any:
        try:
            args = _pain_args(data)
            with ctx.store() as store:
                ctx.records.edit_pain(store, entry_id, args, who(request), _reason(data))
        except VrtherapyError as exc:
            return field_errors(exc)
        return {"id": entry_id}

    @api.post("/pain/{entry_id}/void")
    def void_pain(request: Request, entry_id: int, data: dict[str, Any]) -> Any:
        try:
            with ctx.store() as store:
                ctx.records.void_pain(store, entry_id, who(request), _reason(data))
        except VrtherapyError as exc:
            return field_errors(exc, "reason")
        return {"id": entry_id}

    @api.get("/patients/{patient_id}/sessions")
    def sessions(patient_id: str) -> Any:
        with ctx.store() as store:
            rows = store.sessions(patient_id)
            return {"sessions": [_session_json(s) | {"controls": ctx.records.controls(store, s.id)}
                                 for s in reversed(rows)]}  # fmt: skip

    @api.post("/patients/{patient_id}/report")
    def report(request: Request, patient_id: str) -> Any:
        with ctx.store() as store:
            store.patient(patient_id)  # unknown patient: refused now, not in the job

        def work(folder: Path, progress: Progress) -> list[Path]:
            from vrtherapy.records.report import write_report
            from vrtherapy.therapy.rom_joints import exercise_joint

            with ctx.store() as store:
                files = write_report(store, patient_id, folder, progress=step_progress(progress), joint_of=exercise_joint)
            return [files.pdf, files.json, *files.pngs]

        return ctx.jobs.submit("report", patient_id, who(request), work).to_json()

    @api.post("/patients/{patient_id}/export")
    def export(request: Request, patient_id: str, format: str = "csv") -> Any:
        if format not in ctx.records.export_formats():
            return JSONResponse({"errors": {"format": f"format: choose one of {', '.join(ctx.records.export_formats())}"}},
                                status_code=422)  # fmt: skip
        with ctx.store() as store:
            store.patient(patient_id)

        def work(folder: Path, progress: Progress) -> list[Path]:
            with ctx.store() as store:
                return ctx.records.export(store, patient_id, format, folder, progress)

        return ctx.jobs.submit(f"export-{format}", patient_id, who(request), work).to_json()

    @api.get("/jobs/{job_id}")
    def job(job_id: str) -> Any:
        state = ctx.jobs.get(job_id)
        if state is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return state.to_json()

    @api.get("/jobs/{job_id}/files/{name}")
    def job_file(job_id: str, name: str, download: bool = False) -> Any:
        path = ctx.jobs.file(job_id, name)
        if path is None:
            return JSONResponse({"error": "no such file"}, status_code=404)
        return FileResponse(path, filename=name if download else None,
                            content_disposition_type="attachment" if download else "inline")  # fmt: skip

    return api


def _reason(data: dict[str, Any]) -> str:
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise FieldError("reason", "say why (it is kept in the audit trail)")
    return reason


def _pain_args(data: dict[str, Any]) -> dict[str, Any]:
    """The pain form's fields as the records layer takes them (its checks do the rest); empty fields are
    left out, so an edit changes only what the form says."""
    if not isinstance(data, dict):
        raise FieldError("form", "expected a table of fields")
    args: dict[str, Any] = {}
    if data.get("score") not in (None, ""):
        args["score"] = data["score"]
    at = data.get("at")
    if at:
        try:
            args["at"] = datetime.fromisoformat(str(at))
        except ValueError:
            raise FieldError("at", f"{at!r} is not a date and time") from None
    for name in ("triggers", "medications"):
        if name in data:
            value = data[name] or []
            args[name] = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
    for name in ("duration_min", "episodes", "location"):
        if data.get(name) not in (None, ""):
            args[name] = data[name]
    if "note" in data:
        args["note"] = data.get("note") or ""
    return args
