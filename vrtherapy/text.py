"""Text that comes in from outside (playlist and scene labels, command-line numbers), normalised where it
enters so what is shown to a patient, printed on a terminal or kept in the records is what it looks like.

- `clean_label`: Unicode NFC; tabs, line breaks and runs of spaces become one space; leading and
  trailing space goes; control characters, invisible format characters (zero-width spaces, bidi
  overrides that reverse how text reads, byte-order marks), private-use and unassigned code points are
  refused with the code point named. The zero-width joiner and non-joiner stay: Persian, Indic scripts
  and emoji need them.
- `ascii_int`: an integer written with the ASCII digits 0-9 only. Python's `int()` reads "٣" (Arabic-
  Indic three) and "３" (full-width three) as 3, and `str.isdigit()` says yes to "²", which `int()` then
  refuses with a ValueError: a score typed with either is refused instead.

Hand-written: the standard library's `unicodedata` has the categories; no library states this policy.
"""

from __future__ import annotations

import re
import unicodedata

#: Format characters that are part of writing some languages correctly (ZWNJ, ZWJ).
_KEPT_FORMAT = {"\u200c", "\u200d"}
_SPACES = re.compile(r"\s+")
_ASCII_INT = re.compile(r"[+-]?[0-9]+")


class LabelError(ValueError):
    """Text that cannot be taken as a label; the message says why, in one line."""


def clean_label(text: str, max_chars: int = 1000) -> str:
    """`text` normalised (see the module docstring); LabelError if it holds a character that cannot be seen."""
    text = unicodedata.normalize("NFC", text)
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        if char.isspace():
            continue
        if category in ("Cc", "Cs", "Co", "Cn") or (category == "Cf" and char not in _KEPT_FORMAT):
            kind = "a control" if category == "Cc" else "an invisible or unassigned"
            raise LabelError(f"contains {kind} character U+{ord(char):04X} at character {position}; retype the text without it")
    text = _SPACES.sub(" ", text).strip()
    if len(text) > max_chars:
        raise LabelError(f"is {len(text)} characters long; at most {max_chars}")
    return text


def ascii_int(text: str) -> int:
    """The integer `text` spells with ASCII digits (optional sign, surrounding spaces); ValueError otherwise."""
    stripped = text.strip()
    if not _ASCII_INT.fullmatch(stripped) or len(stripped) > 18:
        raise ValueError(f"{text!r} is not a whole number written with the digits 0-9")
    return int(stripped)
