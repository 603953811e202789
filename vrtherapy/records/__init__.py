"""Patient records: profiles, sessions, exercise results and the pain log, with reports and CSV export."""

from vrtherapy.records.store import (
    CLINICALLY_IMPORTANT_DROP,
    SCHEMA_VERSION,
    ExerciseResult,
    PainEntry,
    PatientProfile,
    RecordsError,
    RecordStore,
    SessionRecord,
    default_db_path,
)

__all__ = [
    "CLINICALLY_IMPORTANT_DROP", "SCHEMA_VERSION", "ExerciseResult", "PainEntry", "PatientProfile", "RecordStore",
    "RecordsError", "SessionRecord", "default_db_path",
]  # fmt: skip
