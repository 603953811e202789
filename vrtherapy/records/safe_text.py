"""Text from the records made safe for where it is shown: a terminal, a spreadsheet.

A note or label typed (or pasted, or written by another program into a shared database) may hold
escape sequences that recolour, hide or rewrite what a terminal shows, bidirectional overrides that
reorder it, or a leading `=`/`+`/`-`/`@` that a spreadsheet runs as a formula. These functions
neutralise them at the edge where the text is shown; the stored text is left as it was recorded.
"""

from __future__ import annotations

import unicodedata

#: OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def for_terminal(text: str) -> str:
    """`text` with control, escape, format (bidi, zero-width) and line-breaking characters shown as
    visible escapes (\\x1b, \\u202e), so what the terminal shows is exactly what was stored."""
    out = []
    for c in text:
        category = unicodedata.category(c)
        if category in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn") or c == "\x7f":
            code = ord(c)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(c)
    return "".join(out)


def for_spreadsheet(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
