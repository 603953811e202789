"""Writes this folder's broken recordings (run from the repository root: python tests/data/broken_recordings/make_corpus.py).

Each file is a real two-sample recording of the synthetic right arm with one thing broken; the line a
reader must give for each is in tests/test_recording_corpus.py. Kept small (a few KB each).
"""

from __future__ import annotations

import json
from pathlib import Path

from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.tracking.recording import FORMAT, POINTS, VERSION

HERE = Path(__file__).parent
HEADER = {"format": FORMAT, "version": VERSION, "limb": "arm", "side": "right", "points": list(POINTS["arm"]),
          "source": {"tracker": "synthetic"}}  # fmt: skip


def samples() -> list[dict]:
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 5.0)]), seed=3)
    out = []
    for k in range(2):
        s = motion.sample_at(k / 30, t_capture=10.0 + k / 30)
        out.append({"t": s.t_capture, "p": s.points.tolist(), "v": s.valid.tolist(), "c": 0.9})
    return out


def line(record: object) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


def write(name: str, header: object = None, records: list | None = None, raw: str = "") -> None:
    text = line(HEADER if header is None else header) + "".join(line(r) for r in (records or [])) + raw
    (HERE / f"{name}.vtrec").write_bytes(text.encode("utf-8", "surrogateescape"))


def changed(k: int, **fields: object) -> list[dict]:
    out = samples()
    out[k] = {**out[k], **fields}
    return out


def main() -> None:
    first, second = samples()
    unseen = {**first, "v": [False] * len(first["v"])}
    seen_nan = json.loads(json.dumps(second))
    seen_nan["p"][5] = [None, 0.1, 0.2]
    far = json.loads(json.dumps(second))
    far["p"][0] = [1e6, 0.0, 0.0]
    write("nested_json_line", records=[first], raw="[" * 5000 + "]" * 5000 + "\n")
    write("nan_time", records=[first], raw=line(second).replace(f'"t":{second["t"]}', '"t":NaN'))
    write("infinite_time", records=[first], raw=line(second).replace(f'"t":{second["t"]}', '"t":Infinity'))
    write("time_as_text", records=changed(1, t="10.5"))
    write("backwards_time", records=changed(1, t=9.0))
    write("an_hour_between_samples", records=changed(1, t=3610.0))
    write("limb_never_seen", records=[unseen, {**unseen, "t": second["t"]}])
    write("header_only")
    write("seen_point_without_position", records=[first, seen_nan])
    write("seen_point_a_kilometre_away", records=[first, far])
    write("visibility_as_numbers", records=changed(1, v=[1] * len(first["v"])))
    write("confidence_out_of_range", records=changed(1, c=7.5))
    write("wrong_point_count", records=changed(1, p=first["p"][:5]))
    write("source_not_an_object", header={**HEADER, "source": [1, 2]})
    write("points_not_a_list", header={**HEADER, "points": 24})
    write("limb_as_a_list", header={**HEADER, "limb": ["arm"]})
    write("future_version", header={**HEADER, "version": 7})
    write("sample_not_an_object", records=[first], raw="[1, 2, 3]\n")
    write("line_too_long", records=[first], raw=" " * 20000 + line(second))
    write("not_utf8", records=[first], raw='{"t": 11, "note": "\udcff"}\n')
    (HERE / "not_json_at_all.vtrec").write_text("time,x,y,z\n0,1,2,3\n")
    (HERE / "empty.vtrec").write_text("")


if __name__ == "__main__":
    main()
