"""`summary.json` and other JSON a person or a program reads back: always standard JSON.

Python's `json` writes NaN and Infinity as bare words that no other JSON reader accepts (a browser's
`JSON.parse`, `jq`, a spreadsheet import); a figure that could not be measured (a mean of no frames)
is written as null instead. The file appears whole or not at all (written to `.part`, then renamed).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from vrtherapy.private_files import write_private_bytes


def json_safe(value: Any) -> Any:
    """`value` with every non-finite float (also in numpy scalars, tuples and nested containers) as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        return json_safe(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def write_json(path: Path, value: Any) -> Path:
    """Write `value` as indented standard JSON to `path` (owner-only, whole or not at all)."""
    text = json.dumps(json_safe(value), indent=2, allow_nan=False) + "\n"
    return write_private_bytes(Path(path), text.encode("utf-8"))
