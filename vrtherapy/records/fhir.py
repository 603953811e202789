"""FHIR R4 export for a clinic's records system: one Bundle (type "collection") per patient, as JSON.

What goes in, and why this shape:
- **Patient**: the pseudonymous ID as its only identifier (system `urn:vrtherapy:patient-id`); no
  name, no birth date. `active` is false for an archived patient.
- **Procedure** per session (not Encounter: an Encounter is the administrative visit, which the
  clinic's own system keeps; what vrtherapy knows is the therapy performed). `status` completed
  (also for a session capped by its time limit), stopped (stopped early or crashed) or in-progress (no
  recorded end); `performedPeriod`; the playlist, station, per-patient number, how it ended and
  exercises done out of planned as text; `outcome` says capped or partial.
- **Observation** per exercise: LOINC 55411-3 "Exercise duration" with `valueQuantity` in minutes
  (UCUM `min`), `partOf` its Procedure, reps and range of motion (with its joint) as components, a
  skipped exercise said in `note`.
- **Observation** per pain rating: LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] -
  Reported", `valueQuantity` (UCUM `{score}`), `effectiveDateTime`; a before/after rating has `partOf`
  its session's Procedure and says which in `method`; phantom or residual-limb pain in `bodySite`;
  triggers, medications, episodes and episode duration as components or notes. A voided entry is
  exported with `status` "entered-in-error" (FHIR's own word for it), so a receiving system keeps
  it out of charts as we do.
- **Observation** for the patient's global impression of change (PGIC, 1-7) at a session's end.
- **Provenance** per audit row: the correction's target resource, when, who (`agent.who.display`), what
  changed (`activity.text`) and why (`reason.text`).

Resources are built as plain JSON and validated with `fhir.resources`' R4B models before writing
(`fhir.resources` 8 ships R4B and STU3, not R4 4.0.1; R4B changed no element used here in Patient,
Observation, Procedure, Provenance or Bundle, so the Bundle is valid R4 too). Resource ids are stable
UUIDs derived from the database row, so exporting twice gives the same ids.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vrtherapy.records.analysis import JointLookup, rom_label
from vrtherapy.records.checks import RecordsError
from vrtherapy.records.models import AuditEntry, PainEntry, PatientProfile, SessionRecord
from vrtherapy.records.private import private_folder, write_private_text
from vrtherapy.records.store import RecordStore

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
PAIN_CODE = {"system": LOINC, "code": "72514-3", "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
EXERCISE_DURATION_CODE = {"system": LOINC, "code": "55411-3", "display": "Exercise duration"}
ID_SYSTEM = "urn:vrtherapy:patient-id"
_NAMESPACE = uuid.UUID("5d2a8f0e-6c1b-4c53-9a57-7672746865ff")


def export_fhir(store: RecordStore, output: Path, patient_ids: Sequence[str] | None = None,
                joint_of: JointLookup | None = None) -> list[Path]:  # fmt: skip
    """Write one FHIR R4 Bundle per patient (default: every patient) into `output`; returns the files."""
    profiles = [store.patient(p) for p in patient_ids] if patient_ids else store.patients(include_archived=True)
    bundles = [(p.patient_id, patient_bundle(store, p, joint_of)) for p in profiles]
    folder = private_folder(Path(output))
    return [write_private_text(folder / f"fhir-{pid}.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
            for pid, doc in bundles]  # fmt: skip


def patient_bundle(store: RecordStore, profile: PatientProfile, joint_of: JointLookup | None = None) -> dict[str, Any]:
    """The Bundle of one patient, validated against the FHIR models."""
    pid = profile.patient_id
    sessions = store.sessions(pid)
    pain = store.pain_entries(pid)
    audit = store.audit_trail(pid)
    patient_url = _url(store, "patient", pid)
    entries = [_entry(patient_url, _patient(profile))]
    session_urls = {s.id: _url(store, "session", s.id) for s in sessions}
    for s in sessions:
        entries.append(_entry(session_urls[s.id], _procedure(s, patient_url)))
        for k in range(len(s.exercises)):
            exercise = _exercise(s, k, patient_url, session_urls[s.id], joint_of)
            entries.append(_entry(_url(store, "exercise", f"{s.id}-{k}"), exercise))
        if s.pgic is not None:
            entries.append(_entry(_url(store, "pgic", s.id), _pgic(s, patient_url, session_urls[s.id])))
    numbers = {s.id: s.number for s in sessions}
    for rating in pain:
        session = session_urls.get(rating.session_id) if rating.session_id is not None else None
        number = numbers.get(rating.session_id or 0)
        entries.append(_entry(_url(store, "pain", rating.id), _pain(rating, patient_url, session, number)))
    targets = {("patient", pid): patient_url} | {("pain", str(e.id)): _url(store, "pain", e.id) for e in pain} | \
        {("session", str(i)): url for i, url in session_urls.items()}  # fmt: skip
    for a in audit:
        target = targets.get((a.entity, a.entity_id), patient_url)
        entries.append(_entry(_url(store, "audit", a.id), _provenance(a, target)))
    doc = {"resourceType": "Bundle", "type": "collection", "timestamp": _time(datetime.now(UTC)), "entry": entries}
    validate(doc)
    return doc


def validate(doc: dict[str, Any]) -> None:
    """Check `doc` against the FHIR R4(B) models; RecordsError naming the first problem."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(doc)
    except ValidationError as error:
        first = error.errors()[0]
        raise RecordsError(f"FHIR export: {'.'.join(map(str, first['loc']))}: {first['msg']} (a bug: please report it)") from None


def _patient(p: PatientProfile) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": ID_SYSTEM, "value": p.patient_id}],
            "active": not p.archived}  # fmt: skip


def _procedure(s: SessionRecord, patient: str) -> dict[str, Any]:
    endings = {"completed": "completed", "capped": "completed", "stopped": "stopped", "crashed": "stopped"}
    status = endings.get(s.status, "in-progress")
    planned = s.exercises_planned if s.exercises_planned is not None else len(s.exercises)
    doc: dict[str, Any] = {
        "resourceType": "Procedure", "status": status, "subject": {"reference": patient},
        "code": {"text": "Virtual-reality mirror therapy session"},
        "performedPeriod": {"start": _time(s.started_at)} | ({"end": _time(s.ended_at)} if s.ended_at else {}),
        "note": [{"text": f"session #{s.number}; playlist {s.playlist}; display {s.display}; "
                          f"station {s.station or 'not recorded'}; ended: {s.status}; {s.exercises_done} of {planned} "
                          f"exercises done; {s.minutes:.1f} minutes"}],
    }  # fmt: skip
    if s.status == "capped" or s.partial:
        doc["outcome"] = {"text": ("capped by its time limit; " if s.status == "capped" else "") +
                          f"{s.exercises_done} of {planned} exercises done"}  # fmt: skip
    if status == "stopped":
        doc["statusReason"] = {"text": "crashed" if s.status == "crashed" else "stopped early"}
    return doc


def _exercise(s: SessionRecord, k: int, patient: str, session: str, joint_of: JointLookup | None) -> dict[str, Any]:
    e = s.exercises[k]
    doc: dict[str, Any] = {
        "resourceType": "Observation", "status": "final", "subject": {"reference": patient}, "partOf": [{"reference": session}],
        "code": {"coding": [EXERCISE_DURATION_CODE], "text": f"Exercise duration: {e.exercise_id}"},
        "effectiveDateTime": _time(e.started_at), "valueQuantity": _quantity(round(e.duration_s / 60.0, 3), "min", "min"),
    }  # fmt: skip
    components = []
    if e.reps is not None:
        components.append({"code": {"text": "repetitions"}, "valueInteger": e.reps})
    if e.target_reps is not None:
        components.append({"code": {"text": "target repetitions"}, "valueInteger": e.target_reps})
    if e.rom_deg is not None:
        components.append({"code": {"text": f"range of motion: {rom_label(e.exercise_id, e.rom_joint, joint_of)}"},
                           "valueQuantity": _quantity(e.rom_deg, "degrees", "deg")})  # fmt: skip
    if components:
        doc["component"] = components
    if not e.completed:
        doc["note"] = [{"text": "skipped or stopped before the end"}]
    return doc


def _pain(e: PainEntry, patient: str, session: str | None, number: int | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "resourceType": "Observation", "status": "entered-in-error" if e.voided else "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [PAIN_CODE], "text": "Pain severity 0-10"}, "subject": {"reference": patient},
        "effectiveDateTime": _time(e.at), "valueQuantity": _quantity(e.score, "{score}", "{score}"),
    }  # fmt: skip
    if session is not None:
        doc["partOf"] = [{"reference": session}]
        doc["method"] = {"text": f"rated {e.kind} session #{number}"}
    else:
        doc["method"] = {"text": "pain diary, between sessions"}
    if e.location is not None:
        doc["bodySite"] = {"text": "phantom limb" if e.location == "phantom" else "residual limb"}
    components = []
    if e.episodes is not None:
        components.append({"code": {"text": "pain episodes that day"}, "valueInteger": e.episodes})
    if e.duration_min is not None:
        components.append({"code": {"text": "episode duration"}, "valueQuantity": _quantity(e.duration_min, "min", "min")})
    if components:
        doc["component"] = components
    notes = [f"triggers: {', '.join(e.triggers)}" if e.triggers else "",
             f"medications: {', '.join(e.medications)}" if e.medications else "", e.note,
             f"voided {_time(e.voided_at)}: {e.void_reason}" if e.voided_at else ""]  # fmt: skip
    if any(notes):
        doc["note"] = [{"text": n} for n in notes if n]
    return doc


def _pgic(s: SessionRecord, patient: str, session: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": {"reference": patient},
            "partOf": [{"reference": session}], "effectiveDateTime": _time(s.ended_at or s.started_at),
            "code": {"text": "Patient global impression of change (PGIC), 1 very much improved ... 7 very much worse"},
            "valueInteger": s.pgic}  # fmt: skip


def _provenance(a: AuditEntry, target: str) -> dict[str, Any]:
    change = f"{a.entity} {a.entity_id} {a.field}: {a.old_value} -> {a.new_value}"
    return {"resourceType": "Provenance", "target": [{"reference": target}], "recorded": _time(a.at),
            "agent": [{"who": {"display": a.by}}], "activity": {"text": change[:500]},
            "reason": [{"text": a.reason}]}  # fmt: skip


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _entry(url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": url, "resource": resource}


def _url(store: RecordStore, kind: str, key: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{store.path}|{kind}|{key}')}"


def _time(when: datetime | None) -> str:
    assert when is not None
    return when.astimezone(UTC).isoformat(timespec="seconds")
