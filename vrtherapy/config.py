"""Loading TOML files into frozen dataclasses, with one-line errors a clinician can act on.

`load_toml(path, Schema)` reads a file and `parse_dataclass(data, Schema, source)` checks an already
parsed table against a dataclass's type hints; both return a `Schema` instance or raise `ConfigError`
with exactly one line: ``<file>: <dotted.field.path>: <what is wrong>``, e.g.

    scenes/clinic_room.toml: table.height: must be between 0.5 and 1.1, got 4.0
    scenes/clinic_room.toml: lights[2].kind: must be one of 'ambient', 'directional', got 'spot'

Hand-written rather than pydantic & co. because we want exactly that: TOML's own types taken as they
are (no silent "0.7" -> 0.7, no true -> 1; an integer is accepted where a number is expected),
unknown keys refused with the known ones listed, and a single line naming the file and the field.
Validation libraries coerce by default (or need strictness configured per field) and print
multi-line reports.

Supported field types: bool, int, float, str, Literal[...], X | None, nested dataclasses (TOML
tables), tuple[X, Y, Z] (fixed-length arrays) and tuple[X, ...] (arrays, including arrays of tables).
Numeric limits come from field metadata, checked inclusively for "min"/"max" and strictly for
"gt"/"lt"; on a tuple field they apply to every element. Checks that involve several fields belong
in the dataclass's `__post_init__`, which raises `InvalidValue` naming the field at fault.

Hostile files are refused before they cost anything: the file's size is checked before it is read
(`max_bytes`; a 50 MB playlist is not a playlist), nesting too deep for the TOML reader is one line
rather than a RecursionError, and arrays hold at most `max_items` entries (field metadata; 1000 by
default). Text is normalised where it enters (`vrtherapy.text.clean_label`): NFC, line breaks and tabs
become spaces, and invisible or control characters are refused, so a name shown to a patient or kept
in the records is what it looks like.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import stat
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

from vrtherapy.errors import ConfigError
from vrtherapy.text import LabelError, clean_label

T = TypeVar("T")

#: The largest TOML file read, bytes, unless the caller says otherwise; scenes and playlists are a few KB.
DEFAULT_MAX_BYTES = 256 * 1024
#: The most entries in one array, unless the field's metadata says otherwise ("max_items").
DEFAULT_MAX_ITEMS = 1000
#: The longest string, characters, unless the field's metadata says otherwise ("max_chars").
DEFAULT_MAX_CHARS = 1000

_SCALAR_NOUNS: dict[type, tuple[str, str]] = {
    bool: ("true or false", "booleans"),
    int: ("an integer", "integers"),
    float: ("a number", "numbers"),
    str: ("a string", "strings"),
}


class InvalidValue(ValueError):
    """Raised by a dataclass's `__post_init__` for a value that is well-typed but not acceptable.

    `field` is the dotted path relative to that dataclass ("" for the table as a whole); the loader
    prefixes the file name and the table's own path.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


def load_toml(path: Path | str, schema: type[T], max_bytes: int = DEFAULT_MAX_BYTES) -> T:
    """Read the TOML file at `path` (at most `max_bytes`) and validate it against the dataclass `schema`."""
    source = str(path)
    raw = read_limited(Path(path), max_bytes, source, ConfigError)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _error(source, "", "invalid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _error(source, "", f"invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested table or array
        raise _error(source, "", "invalid TOML: tables or arrays nested too deeply") from None
    return parse_dataclass(data, schema, source)


def read_limited(path: Path, max_bytes: int, source: str, error: type[Exception]) -> bytes:
    """The bytes of the regular file `path`, refused with `error` (one line) if it is missing, not a
    file, unreadable or over `max_bytes`; the size is checked before anything is read, and no more than
    `max_bytes` + 1 bytes are ever read (a file growing meanwhile, or a device)."""
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise error(f"{source}: is a folder, not a file")
            if not stat.S_ISREG(info.st_mode):
                raise error(f"{source}: not a regular file")
            if info.st_size > max_bytes:
                raise error(f"{source}: {_size(info.st_size)}, more than the {_size(max_bytes)} such a file may hold")
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"{source}: file not found") from None
    except IsADirectoryError:
        raise error(f"{source}: is a folder, not a file") from None
    except OSError as exc:
        raise error(f"{source}: cannot read file ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise error(f"{source}: more than the {_size(max_bytes)} such a file may hold")
    return raw


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def parse_dataclass(data: Mapping[str, Any], schema: type[T], source: str, path_prefix: str = "") -> T:
    """Validate the parsed table `data` against the dataclass `schema`; errors name `source`."""
    if not isinstance(data, Mapping):
        raise _error(source, path_prefix, f"expected a table, got {_describe(data)}")
    table: Any = schema  # a dataclass type; mypy cannot say so of a TypeVar
    hints = _type_hints(table)
    fields = {f.name: f for f in dataclasses.fields(table) if f.init}
    for key in data:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise _error(source, _join(path_prefix, key), f"unknown key (known: {known})")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name in data:
            values[name] = _convert(data[name], hints[name], f.metadata, source, _join(path_prefix, name))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _error(source, path_prefix, f"missing required field '{name}'")
    try:
        return schema(**values)
    except InvalidValue as exc:
        raise _error(source, _join(path_prefix, exc.field), exc.reason) from None


def _convert(value: Any, tp: Any, metadata: Mapping[str, Any], source: str, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"{path}: only `X | None` unions are supported, not {tp}")
        return _convert(value, inner[0], metadata, source, path)  # TOML has no null: present means X
    if origin is Literal:
        if not any(type(value) is type(a) and value == a for a in args):
            choices = ", ".join(repr(a) for a in args)
            raise _error(source, path, f"must be one of {choices}, got {_literal(value)}")
        return value
    if origin is tuple:
        return _convert_tuple(value, tp, args, metadata, source, path)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise _error(source, path, f"expected a table, got {_describe(value)}")
        return parse_dataclass(value, typing.cast(Any, tp), source, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise _error(source, path, f"expected true or false, got {_describe(value)}")
        return value
    if tp is int or tp is float:
        ok = isinstance(value, int) or (tp is float and isinstance(value, float))
        if not ok or isinstance(value, bool):
            raise _error(source, path, f"expected {_expected(tp)}, got {_describe(value)}")
        if isinstance(value, int) and abs(value) > 2**53:  # TOML integers are unbounded; no setting is that large
            raise _error(source, path, f"an integer of {len(str(abs(value)))} digits is far out of range")
        if tp is float:
            value = float(value)
            if not math.isfinite(value):
                raise _error(source, path, f"expected a finite number, got {value}")
        _check_range(value, metadata, source, path)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _error(source, path, f"expected a string, got {_describe(value)}")
        try:
            return clean_label(value, metadata.get("max_chars", DEFAULT_MAX_CHARS))
        except LabelError as exc:
            raise _error(source, path, str(exc)) from None
    raise TypeError(f"{path}: unsupported field type {tp!r}")


def _convert_tuple(value: Any, tp: Any, args: tuple, metadata: Mapping[str, Any], source: str, path: str) -> tuple:
    variable = len(args) == 2 and args[1] is Ellipsis
    if not isinstance(value, list) or (not variable and len(value) != len(args)):
        raise _error(source, path, f"expected {_expected(tp)}, got {_describe(value)}")
    most = metadata.get("max_items", DEFAULT_MAX_ITEMS)
    if len(value) > most:
        raise _error(source, path, f"{len(value)} entries; at most {most} are allowed")
    item_types = [args[0]] * len(value) if variable else list(args)
    return tuple(
        _convert(item, item_tp, metadata, source, f"{path}[{i}]")
        for i, (item, item_tp) in enumerate(zip(value, item_types, strict=False))
    )


def _check_range(value: float, metadata: Mapping[str, Any], source: str, path: str) -> None:
    problem = range_problem(value, metadata)
    if problem:
        raise _error(source, path, problem)


def range_problem(value: float, metadata: Mapping[str, Any]) -> str | None:
    """What is wrong with `value` under a field's "min"/"max"/"gt"/"lt" metadata, or None."""
    lo, hi = metadata.get("min"), metadata.get("max")
    if not math.isfinite(value) and {"min", "max", "gt", "lt"} & metadata.keys():
        return f"must be a finite number, got {value}"
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if lo is not None and hi is not None:
            wanted = f"between {lo} and {hi}"
        else:
            wanted = f"at least {lo}" if lo is not None else f"at most {hi}"
        return f"must be {wanted}, got {value}"
    if "gt" in metadata and not value > metadata["gt"]:
        return f"must be greater than {metadata['gt']}, got {value}"
    if "lt" in metadata and not value < metadata["lt"]:
        return f"must be less than {metadata['lt']}, got {value}"
    return None


def check_bounds(instance: Any) -> None:
    """Hold a dataclass instance's numeric fields to their metadata bounds (the one place each bound
    is stated), whoever built it; call from `__post_init__`. Raises `InvalidValue` naming the field."""
    for f in dataclasses.fields(instance):
        value = getattr(instance, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            problem = range_problem(value, f.metadata)
            if problem:
                raise InvalidValue(f.name, problem)


@functools.cache
def _type_hints(schema: type) -> dict[str, Any]:
    return typing.get_type_hints(schema)


def _expected(tp: Any) -> str:
    """'a number', 'an array of 3 numbers', 'an array of tables', ... for error messages."""
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"an array of {_plural(args[0])}"
        if len(set(args)) == 1:
            return f"an array of {len(args)} {_plural(args[0])}"
        return f"an array of {len(args)} items"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return _SCALAR_NOUNS.get(tp, (str(tp), ""))[0]


def _plural(tp: Any) -> str:
    if dataclasses.is_dataclass(tp):
        return "tables"
    return _SCALAR_NOUNS.get(tp, ("", "items"))[1] or "items"


def _describe(value: Any) -> str:
    """The TOML value as the user wrote it: "string 'high'", 'boolean true', 'array of 2 items'."""
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return f"array of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, Mapping):
        return "a table"
    return f"{type(value).__name__} {value}"  # TOML dates and times


def _literal(value: Any) -> str:
    return repr(value) if isinstance(value, str) else _describe(value)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _error(source: str, path: str, message: str) -> ConfigError:
    line = f"{source}: {path}: {message}" if path else f"{source}: {message}"
    return ConfigError(" ".join(line.splitlines()))
