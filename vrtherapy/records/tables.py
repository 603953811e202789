"""The records tables as SQLAlchemy Core objects, for building queries (the schema itself is made by
`migrations`; these describe its latest version and must match it).

Times are stored as fixed-width ISO 8601 text in UTC (so text order is time order on both engines),
lists and tables as JSON text, booleans as 0/1.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, MetaData, Table, Text

metadata = MetaData()

patients = Table(
    "patients", metadata,
    Column("patient_id", Text, primary_key=True),
    Column("affected_side", Text, nullable=False),
    Column("limb", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("amputation_date", Text),
    Column("measurements", Text, nullable=False),
    Column("prescribed_minutes_per_week", Float, nullable=False),
    Column("notes", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("condition", Text, nullable=False),
    Column("archived_at", Text),
)  # fmt: skip

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Text, ForeignKey("patients.patient_id"), nullable=False),
    Column("playlist", Text, nullable=False),
    Column("display", Text, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("ended_at", Text),
    Column("status", Text),
    Column("number", Integer),
    Column("ending", Text),
    Column("exercises_planned", Integer),
    Column("pgic", Integer),
    Column("station", Text, nullable=False),
)  # fmt: skip

pain = Table(
    "pain", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Text, ForeignKey("patients.patient_id"), nullable=False),
    Column("session_id", Integer, ForeignKey("sessions.id")),
    Column("kind", Text, nullable=False),
    Column("score", Integer, nullable=False),
    Column("at", Text, nullable=False),
    Column("triggers", Text, nullable=False),
    Column("medications", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("duration_min", Float),
    Column("location", Text),
    Column("episodes", Integer),
    Column("voided_at", Text),
    Column("void_reason", Text),
)  # fmt: skip

exercises = Table(
    "exercises", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("exercise_id", Text, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("completed", Integer, nullable=False),
    Column("reps", Integer),
    Column("target_reps", Integer),
    Column("rom_deg", Float),
    Column("movement_time_s", Float),
    Column("latency_ms_mean", Float),
    Column("latency_ms_p95", Float),
    Column("rom_joint", Text),
)  # fmt: skip

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("patient_id", Text),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("reason", Text, nullable=False),
)  # fmt: skip

session_events = Table(
    "session_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("detail", Text, nullable=False),
)  # fmt: skip

calibrations = Table(
    "calibrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Text, ForeignKey("patients.patient_id"), nullable=False),
    Column("limb", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("station", Text, nullable=False),
    Column("data", Text, nullable=False),
)  # fmt: skip
