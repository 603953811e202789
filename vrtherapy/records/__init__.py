"""Patient records: profiles, sessions, exercise results, the pain diary and its audit trail, with reports,
CSV and FHIR export; in an SQLite file or on a clinic's PostgreSQL server."""

from vrtherapy.records.checks import FieldError, FieldErrors, RecordsError
from vrtherapy.records.migrations import SCHEMA_VERSION
from vrtherapy.records.models import (
    CLINICALLY_IMPORTANT_DROP,
    AuditEntry,
    ExerciseResult,
    PainEntry,
    PatientProfile,
    SessionEvent,
    SessionRecord,
)
from vrtherapy.records.profiles import CONDITIONS, LEVELS, MEASUREMENTS, Wording, wording
from vrtherapy.records.store import RecordStore, default_db_path

__all__ = [
    "CLINICALLY_IMPORTANT_DROP", "CONDITIONS", "LEVELS", "MEASUREMENTS", "SCHEMA_VERSION", "AuditEntry",
    "ExerciseResult", "FieldError", "FieldErrors", "PainEntry", "PatientProfile", "RecordStore", "RecordsError",
    "SessionEvent", "SessionRecord", "Wording", "default_db_path", "wording",
]  # fmt: skip
