"""`vrtherapy export --format fhir`: a FHIR R4 Bundle per patient, validated with fhir.resources' models, with
its codes and values checked against the fixture patient of the report tests (on both engines)."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle

from tests.known_patient import BASELINE, BETWEEN, SESSIONS, build_known_patient
from vrtherapy.cli import main
from vrtherapy.records import RecordStore


def by_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_fhir_bundle_validates_and_carries_every_record(records_db, tmp_path, capsys):
    with RecordStore.open(records_db) as store:
        build_known_patient(store)
    out = tmp_path / "fhir"
    assert main(["export", "--db", records_db, "--patient", "p001", "--format", "fhir", "--output", str(out)]) == 0
    assert capsys.readouterr().out == f"vrtherapy: wrote {out / 'fhir-P001.json'}\n"
    path = out / "fhir-P001.json"
    assert path.stat().st_mode & 0o777 == 0o600
    doc = json.loads(path.read_text())
    bundle = Bundle.model_validate(doc)  # the library's own R4(B) validation
    assert bundle.type == "collection" and len(bundle.entry) == len(doc["entry"])
    urls = [e["fullUrl"] for e in doc["entry"]]
    assert len(set(urls)) == len(urls) and all(u.startswith("urn:uuid:") for u in urls)

    (patient,) = by_type(doc, "Patient")
    assert patient["identifier"] == [{"system": "urn:vrtherapy:patient-id", "value": "P001"}] and "name" not in patient
    patient_url = urls[0]

    procedures = by_type(doc, "Procedure")
    assert len(procedures) == len(SESSIONS)
    assert [p["status"] for p in procedures] == ["completed"] * 4 + ["in-progress", "stopped", "completed"]
    assert procedures[-1]["outcome"]["text"] == "capped by its time limit; 1 of 3 exercises done"
    assert all(p["subject"]["reference"] == patient_url for p in procedures)
    procedure_urls = [e["fullUrl"] for e in doc["entry"] if e["resource"]["resourceType"] == "Procedure"]

    observations = by_type(doc, "Observation")
    pain = [o for o in observations if o["code"].get("coding", [{}])[0].get("code") == "72514-3"]
    rated = sum(r[1] is not None for r in SESSIONS) + sum(r[2] is not None for r in SESSIONS)
    assert len(pain) == len(BASELINE) + len(BETWEEN) + 1 + rated
    assert all(o["code"]["coding"][0]["system"] == "http://loinc.org" for o in pain)
    assert all(o["valueQuantity"]["system"] == "http://unitsofmeasure.org" and o["valueQuantity"]["code"] == "{score}"
               for o in pain)  # fmt: skip
    (voided,) = [o for o in pain if o["status"] == "entered-in-error"]
    assert voided["valueQuantity"]["value"] == 9 and "logged to the wrong patient" in voided["note"][-1]["text"]
    # each before/after rating is part of its session, in session order
    befores = [o for o in pain if o.get("method", {}).get("text", "").startswith("rated before")]
    afters = [o for o in pain if o.get("method", {}).get("text", "").startswith("rated after")]
    assert [o["valueQuantity"]["value"] for o in befores] == [r[1] for r in SESSIONS if r[1] is not None]
    assert [procedure_urls.index(o["partOf"][0]["reference"]) for o in befores] == [i for i, r in enumerate(SESSIONS)
                                                                                    if r[1] is not None]  # fmt: skip
    assert [procedure_urls.index(o["partOf"][0]["reference"]) for o in afters] == [i for i, r in enumerate(SESSIONS)
                                                                                   if r[2] is not None]  # fmt: skip
    diary = [o for o in pain if "partOf" not in o]
    assert {o.get("bodySite", {}).get("text") for o in diary} == {None, "phantom limb", "residual limb"}

    exercises = [o for o in observations if o["code"].get("coding", [{}])[0].get("code") == "55411-3"]
    assert len(exercises) == 2 * len(SESSIONS)
    assert {(o["valueQuantity"]["value"], o["valueQuantity"]["code"]) for o in exercises} == {(4.0, "min")}
    rom = [c for o in exercises for c in o.get("component", []) if c["code"]["text"].startswith("range of motion")]
    assert {c["code"]["text"] for c in rom} == {"range of motion: wrist_flexion_extension (wrist flexion)",
                                                "range of motion: fist_open_close (middle MCP flexion)"}  # fmt: skip
    assert sum("skipped" in o.get("note", [{}])[0].get("text", "") for o in exercises) == 3

    (pgic,) = [o for o in observations if "PGIC" in o["code"].get("text", "")]
    assert pgic["valueInteger"] == 2 and pgic["partOf"][0]["reference"] == procedure_urls[-1]

    provenance = by_type(doc, "Provenance")
    assert [p["reason"][0]["text"] for p in provenance] == ["new patient", "logged to the wrong patient"]
    assert provenance[1]["agent"][0]["who"]["display"] == "therapist A"
    assert provenance[1]["target"][0]["reference"] in [e["fullUrl"] for e in doc["entry"]]
