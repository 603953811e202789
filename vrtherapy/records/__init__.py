"""Patient records: profiles, sessions, exercise results and the pain log, with reports and CSV export."""

from vrtherapy.records.models import (
    CLINICALLY_IMPORTANT_DROP,
    ExerciseResult,
    PainEntry,
    PatientProfile,
    RecordsError,
    SessionRecord,
)
from vrtherapy.records.schema import SCHEMA_VERSION
from vrtherapy.records.store import RecordStore, default_db_path

__all__ = [
    "CLINICALLY_IMPORTANT_DROP", "SCHEMA_VERSION", "ExerciseResult", "PainEntry", "PatientProfile", "RecordStore",
    "RecordsError", "SessionRecord", "default_db_path",
]  # fmt: skip
