"""Calibrations in the record store: what `vrtherapy calibrate` measured of a patient's intact limb.

Each calibration is a new row (the latest is the one sessions use; earlier ones stay, so nothing is
overwritten) with an audit row in the same transaction. The measurements are kept as one JSON object:
the records do not interpret them (the motion layer does), they only keep them safe and in order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

import vrtherapy.records.tables as t
from vrtherapy.records.checks import FieldError
from vrtherapy.records.store_base import StoreBase, canonical_id, iso, parse_time, require_active, write_audit


@dataclass(frozen=True)
class CalibrationEntry:
    id: int
    patient_id: str
    limb: str  #: upper or lower
    at: datetime
    station: str
    data: dict[str, Any]


class CalibrationRecords(StoreBase):
    def add_calibration(self, patient_id: str, limb: str, data: Mapping[str, Any], *, by: str | None = None) -> int:
        """Keep a calibration of the patient's intact `limb` (upper or lower); returns its id."""
        if limb not in ("upper", "lower"):
            raise FieldError("limb", f"must be upper or lower, got {limb!r}")
        try:
            text = json.dumps(dict(data), sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise FieldError("calibration", f"not storable as JSON ({exc})") from None
        actor = self._actor(by)
        with self._write() as conn:
            pid = require_active(conn, patient_id)
            new_id = int(conn.execute(insert(t.calibrations).values(
                patient_id=pid, limb=limb, at=iso(datetime.now(UTC)), station=self.station, data=text,
            ).returning(t.calibrations.c.id)).scalar_one())  # fmt: skip
            write_audit(conn, by=actor, patient_id=pid, entity="calibration", entity_id=new_id, field="data",
                        old=None, new=text, reason="vrtherapy calibrate")  # fmt: skip
            return new_id

    def latest_calibration(self, patient_id: str, limb: str | None = None) -> CalibrationEntry | None:
        """The patient's most recent calibration (of `limb`, if given), or None."""
        with self._read() as conn:
            query = select(t.calibrations).where(t.calibrations.c.patient_id == canonical_id(conn, patient_id))
            if limb is not None:
                query = query.where(t.calibrations.c.limb == limb)
            row = conn.execute(query.order_by(t.calibrations.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return CalibrationEntry(row.id, row.patient_id, row.limb, parse_time(row.at), row.station, json.loads(row.data))
