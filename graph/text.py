"""Text from sources: what is refused when it comes in, and what is escaped when it goes out.

Open-source reporting is copied from web pages, PDFs and chat exports, and such text can carry
characters that act on whoever later reads it in a terminal or a spreadsheet:

* C0 and C1 control characters (ESC starts the sequences that rewrite the clipboard (OSC 52),
  draw fake links (OSC 8) or move the cursor; CR overwrites a line) and DEL;
* the bidirectional embedding, override and isolate characters (U+202A-U+202E,
  U+2066-U+2069), which make text display in an order other than the one it is stored in.

**At load** (:func:`check_text`) every text value is refused if it holds one of them. Tab and
newline are allowed only where a value may span lines (quotes, descriptions, notes: the
schema's ``text`` type); the bidi *marks* LRM, RLM and ALM (U+200E, U+200F, U+061C), which
Arabic-sourced quotes legitimately carry, are allowed everywhere. Every loader calls this one
rule; the fast CSV paths, which never report problems themselves, look for the same characters
(column-wise with :func:`refused_re2`) and hand such a file to the thorough reader, which says where.

**On output** (:func:`escape_controls`, :func:`escape_json`) the same characters are written as
visible escapes (``\\x1b``, ``\\u202e``), so text already in a graph (written by ad-hoc Cypher,
say) never reaches a terminal raw. **In CSV meant for spreadsheets** (:func:`spreadsheet_cell`)
a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is prefixed with ``'`` so that
it is not run as a formula; numbers (``-44.2``) are left alone.

>>> text_problem("Alice\\x1b]52;c;ZWNobw==\\x07")
'control character U+001B (ESC) at character 6'
>>> text_problem("line one\\nline two", multiline=True) is None
True
>>> text_problem("\\u200fقال\\u200e") is None   # RLM and LRM marks are kept
True
>>> escape_controls("ok\\x1b[2Jgone")
'ok\\\\x1b[2Jgone'
>>> spreadsheet_cell("=cmd|' /c calc'!A1"), spreadsheet_cell("-44.2")
("'=cmd|' /c calc'!A1", '-44.2')
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["check_text", "text_problem", "TEXT_FIX", "refused_re2", "may_hold_refused", "escape_controls", "escape_json",
           "spreadsheet_cell", "FORMULA_STARTS"]

#: Code point ranges refused in every text value: C0 controls but tab and newline, DEL and the C1
#: controls, and the bidi embeddings, overrides and isolates.
REFUSED = ((0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069))
#: Allowed only in values that may span lines.
LINE_BREAKS = ((0x09, 0x0A),)

_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0B: "VT", 0x0C: "FF",
          0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC",
          0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING",
          0x202C: "POP DIRECTIONAL FORMATTING", 0x202D: "LEFT-TO-RIGHT OVERRIDE",
          0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE",
          0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE"}

TEXT_FIX = ("remove control characters and bidi overrides/isolates (the LRM, RLM and ALM marks may stay; "
            "line breaks and tabs only in quotes, descriptions and notes)")


def _py_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]"


def _re2_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


_ONE_LINE_RE = re.compile(_py_class(REFUSED + LINE_BREAKS))
_MULTILINE_RE = re.compile(_py_class(REFUSED))


def refused_re2(multiline: bool = False) -> str:
    """The characters :func:`text_problem` refuses, as a pattern for Arrow's (RE2)
    ``match_substring_regex``."""
    return _re2_class(REFUSED if multiline else REFUSED + LINE_BREAKS)


def _suspect_bytes() -> bytes:
    """The UTF-8 bytes that can begin a character refused in a one-line value, but LF and CR
    (in a plain CSV file only a record's end)."""
    leads = {chr(cp).encode()[0] for lo, hi in REFUSED + LINE_BREAKS for cp in range(lo, hi + 1)}
    return bytes(sorted(leads - {0x0A, 0x0D}))


#: Bytes that never begin a character :func:`text_problem` refuses (see :func:`may_hold_refused`).
_INNOCENT = bytes(sorted(set(range(256)) - set(_suspect_bytes())))


def may_hold_refused(data: bytes) -> bool:
    """Whether UTF-8 text ``data`` (a CSV file's bytes, its records ending in LF or CRLF) may
    hold a character :func:`text_problem` refuses in some value; False means none does, and
    its values need no one-by-one check. A byte-level over-approximation (a typographic quote
    begins like a bidi override), answered in C."""
    return bool(data.translate(None, _INNOCENT))


def _describe(ch: str) -> str:
    cp = ord(ch)
    what = "bidi control" if cp >= 0x2000 else "control character"
    name = _NAMES.get(cp)
    return f"{what} U+{cp:04X}" + (f" ({name})" if name else "")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored (the first refused character and where), or None."""
    m = (_MULTILINE_RE if multiline else _ONE_LINE_RE).search(value)
    if m is None:
        return None
    return f"{_describe(m.group(0))} at character {m.start() + 1}"


def check_text(value: str, multiline: bool = False) -> None:
    """Raise ``ValueError`` (the reason, and what to do) if ``value`` holds a refused character."""
    problem = text_problem(value, multiline)
    if problem is not None:
        raise ValueError(f"{problem}; {TEXT_FIX}")


# -- output -----------------------------------------------------------------------------------
def _escape(m: re.Match[str]) -> str:
    cp = ord(m.group(0))
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}"


def escape_controls(text: str, keep: str = "") -> str:
    """``text`` with every refused character, tab and newline as a visible escape (``\\x1b``,
    ``\\u202e``), except the characters in ``keep`` (``"\\t\\n"`` for CSV)."""
    if not _ONE_LINE_RE.search(text):
        return text
    if keep:
        return _ONE_LINE_RE.sub(lambda m: m.group(0) if m.group(0) in keep else _escape(m), text)
    return _ONE_LINE_RE.sub(_escape, text)


def escape_json(text: str) -> str:
    """JSON text (from :func:`json.dumps`) with the refused characters it leaves raw (DEL, C1,
    bidi controls; it escapes C0 itself) written as ``\\uXXXX``: the same JSON value."""
    return _MULTILINE_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


#: What makes a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell meant for people: text that a spreadsheet would run as a formula gets a
    leading ``'``; numbers, and text that is a plain number, are returned unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or _NUMBER_RE.fullmatch(value):
        return value
    return "'" + value
