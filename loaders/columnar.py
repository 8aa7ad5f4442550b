"""Relationship files a column at a time (Apache Arrow), for the fast CSV path of
:mod:`intelgraph.loaders.bulk`.

Relationship files are most of a big load (a million rows of ids, provenance lists and gradings)
and nearly all their values repeat: a source's list, its evidence text, a grading. So a file is
parsed by Arrow's CSV reader (C++, in blocks), each column is dictionary-encoded, and every
*distinct* value is checked and encoded once, by the same rules as the row-wise reader; rows
then become numbers — their ends as dense node numbers, their lists and gradings as indexes
into a table of distinct values (:class:`ValueTable`). A :class:`RelBlock` keeps a batch of one
relationship type that way, and is turned into bulk-append payload or Cypher list rows
column-wise, when it is written.

Only *plain* files are read this way (:func:`plain_csv`): no quote character, NUL, byte-order
mark, lone carriage return or blank line, so that Arrow splits them exactly as Python's
``csv`` module does. Anything else stays with the row-wise readers.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intelgraph.graph.text import may_hold_refused
from intelgraph.loaders import progress

try:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
except ImportError:  # pragma: no cover - a dependency; without it the row-wise readers do everything
    pa = pc = pacsv = None

__all__ = ["available", "plain_csv", "scan_csv", "CsvScan", "arrow_batches", "ValueTable", "RelBlock", "ArrowError"]

_SCAN = 1 << 24
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ArrowError: tuple[type[BaseException], ...] = (pa.ArrowException,) if pa is not None else ()


def available() -> bool:
    return pa is not None


@contextlib.contextmanager
def compact_memory() -> Iterator[None]:
    """Arrow's allocations made meanwhile come from its jemalloc pool, which hands freed memory
    back at once. With the default pools, memory freed by Arrow's reader threads stayed with
    the process: 1M relationships peaked at ~590 MB (glibc's per-thread arenas) or ~530 MB
    (mimalloc), against ~430 MB this way."""
    if pa is None:
        yield
        return
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, pa.ArrowException):  # a build without jemalloc
        yield
        return
    before = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def plain_csv(path: Path) -> bool:
    """Whether Arrow would split ``path`` into the same records as ``csv.reader(strict=True)``
    (and number them the same): no ``"``, NUL, byte-order mark, lone CR or blank line."""
    return scan_csv(path).plain


@dataclass(frozen=True)
class CsvScan:
    """What one pass over a CSV file's bytes tells: whether it is :func:`plain_csv`, and whether
    it is ``clean`` — holds no byte that can begin a character the text rule refuses
    (:func:`~intelgraph.graph.text.may_hold_refused`), so that its columns need no check."""

    plain: bool
    clean: bool = False


def scan_csv(path: Path) -> CsvScan:
    """:func:`plain_csv` and the text rule's byte test, in one pass over ``path``."""
    try:
        fh = open(path, "rb")
    except OSError:
        return CsvScan(False)
    with fh:
        tail = b"\n"  # a blank first line is a blank line
        first = True
        clean = True
        while True:
            chunk = fh.read(_SCAN)
            if not chunk:
                # an empty file: Arrow will not read it (the row-wise reader does)
                return CsvScan(not first, clean and not first)
            if first and chunk.startswith(_BOMS):
                return CsvScan(False)
            first = False
            if b'"' in chunk or b"\x00" in chunk:
                return CsvScan(False)
            if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
                return CsvScan(False)
            edge = tail + chunk[:2]
            if b"\n\n" in chunk or b"\n\r\n" in chunk or b"\n\n" in edge or b"\n\r\n" in edge:
                return CsvScan(False)
            tail = chunk[-2:]
            clean = clean and not may_hold_refused(chunk)


BLOCK_BYTES = 1 << 24  # Arrow's CSV reader: bytes per block


def arrow_batches(path: Path, columns: int, skip_header: bool, block_size: int = BLOCK_BYTES) -> Iterator[Any]:
    """Record batches of ``path`` (a :func:`plain_csv` file), every column a string column,
    empty fields as ``""``. A record of another width, or text that is not UTF-8, raises an
    Arrow error."""
    names = [f"c{i}" for i in range(columns)]
    source = pa.OSFile(str(path))  # a native file, so that its offset tells the reading progress
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if skip_header else 0,
                                       block_size=block_size, use_threads=True),
        parse_options=pacsv.ParseOptions(quote_char=False, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                             strings_can_be_null=False, quoted_strings_can_be_null=False,
                                             check_utf8=True))
    with source:
        for batch in reader:
            progress.read_to(path, source.tell())
            if batch.num_rows:
                yield batch


def distinct(column: Any) -> tuple[list[str], np.ndarray]:
    """A string column's distinct values and, per row, the position of its value among them."""
    enc = pc.dictionary_encode(column)
    return enc.dictionary.to_pylist(), enc.indices.to_numpy(zero_copy_only=False)


def too_long(column: Any, limit: int) -> bool:
    """Whether a string column holds a value of more than ``limit`` characters (counted only
    when some value has more than ``limit`` bytes)."""
    if not len(column) or pc.max(pc.binary_length(column)).as_py() <= limit:
        return False
    return pc.max(pc.utf8_length(column)).as_py() > limit


def holds(column: Any, pattern: str, drop: str | None = None) -> bool:
    """Whether some value of a string column matches the RE2 ``pattern`` (after removing the
    text ``drop``, an array delimiter, from each value)."""
    if drop:
        column = pc.replace_substring(column, drop, "")
    return bool(len(column)) and pc.any(pc.match_substring_regex(column, pattern)).as_py()


# -- distinct values, encoded once ------------------------------------------------------------
_BQ = struct.Struct("=Bq").pack
_BD = struct.Struct("=Bd").pack
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False).encode


def bulk_value(v: Any) -> bytes:
    """One property value in the bulk-append format's typed binary (null: not set)."""
    t = type(v)
    if t is str:
        return b"\x03" + v.encode() + b"\x00"
    if v is None:
        return b"\x00"
    if t is list:
        return _BQ(5, len(v)) + b"".join(map(bulk_value, v))
    if t is bool:
        return b"\x01\x01" if v else b"\x01\x00"
    if t is int:
        return _BQ(4, v)
    if t is float:
        return _BD(2, v)
    raise ValueError(f"cannot bulk-insert {v!r}")


_NULL_BIN = b"\x00"
_EMPTY_LIST_BIN = _BQ(5, 0)
_ONE_LIST_BIN = _BQ(5, 1) + b"\x03"


def bulk_scalar(v: Any) -> Any:
    """``bulk_value(v)`` as an Arrow scalar, for a column where every row holds ``v``."""
    return pa.scalar(bulk_value(v), pa.binary())


def bulk_texts(column: Any, listed: bool = False) -> Any:
    """A string column as bulk-append text values (``listed``: lists of that one text)."""
    head = _ONE_LIST_BIN if listed else b"\x03"
    return pc.binary_join_element_wise(pa.scalar(head), column.cast(pa.binary()), pa.scalar(b"\x00"), b"")


def json_to_bulk(column: Any) -> Any:
    """A column of JSON texts (one value per row, as a staged node row holds them) as
    bulk-append binary: ``bulk_value(json.loads(text))`` for every row. The common forms —
    ``null``, a string, ``[]``, a list of one string, without escapes — are cut column-wise;
    any other distinct text is decoded once."""
    if not isinstance(column, (pa.Array, pa.ChunkedArray)):
        column = pa.array(column, pa.string())
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    n = len(column)
    inner = pc.utf8_slice_codeunits(column, 1, -1)  # "text" -> text
    inner2 = pc.utf8_slice_codeunits(column, 2, -2)  # ["text"] -> text
    string = pc.match_substring_regex(column, r'^"[^"\\]*"$')
    one = pc.match_substring_regex(column, r'^\["[^"\\]*"\]$')
    null, empty = pc.equal(column, "null"), pc.equal(column, "[]")
    out = pc.if_else(null, pa.scalar(_NULL_BIN), pa.scalar(b"", pa.binary()))
    out = pc.if_else(empty, pa.scalar(_EMPTY_LIST_BIN), out)
    out = pc.if_else(string, bulk_texts(inner), out)
    out = pc.if_else(one, bulk_texts(inner2, listed=True), out)
    other = pc.invert(pc.or_(pc.or_(string, one), pc.or_(null, empty)))
    if n and pc.any(other).as_py():
        rest = column.filter(other)
        texts, pos = distinct(rest)
        encoded = pa.array([bulk_value(json.loads(t)) for t in texts], pa.binary()).take(pa.array(pos))
        out = pc.replace_with_mask(out, other, encoded)
    return out


def bulk_rows(columns: list[Any]) -> Any:
    """Bulk-append node records, one per row, from the JSON text columns of staged node rows
    (without the dense number): a binary array."""
    return pc.binary_join_element_wise(*map(json_to_bulk, columns), b"")


def contiguous_slices(arr: Any, most: int, most_bytes: int) -> Iterator[tuple[bytes, int]]:
    """The records of a binary array in runs of at most ``most`` records and (unless one record is
    bigger) ``most_bytes`` bytes: (bytes end to end, records)."""
    offsets = _offsets(arr)
    data = arr.buffers()[2]
    a = 0
    while a < len(arr):
        b = min(len(arr), a + most)
        over = int(np.searchsorted(offsets[a + 1:b + 1], offsets[a] + most_bytes, side="right"))
        b = a + max(1, over) if over < b - a else b
        yield data[offsets[a]:offsets[b]].to_pybytes(), b - a
        a = b


class ValueTable:
    """Distinct property values of a load (lists, gradings), each as JSON text, as a Cypher
    literal and as bulk-append binary; rows refer to them by number."""

    def __init__(self, cypher_text: Callable[[str], str]):
        self.values: list[Any] = []
        self.json: list[str] = []
        self.index: dict[str, int] = {}
        self._cypher_text = cypher_text
        self._arrays: dict[str, tuple[int, Any]] = {}

    def add(self, v: Any) -> int:
        """The number of ``v`` (ValueError: not JSON-serialisable)."""
        text = _JSON(v)
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.values)
            self.values.append(v)
            self.json.append(text)
        return i

    def _array(self, form: str) -> Any:
        n, arr = self._arrays.get(form, (-1, None))
        if n != len(self.values):
            if form == "bin":
                arr = pa.array([bulk_value(v) for v in self.values], pa.binary())
            else:
                arr = pa.array([self._cypher_text(j) for j in self.json], pa.string())
            self._arrays[form] = (len(self.values), arr)
        return arr

    def binary(self, idx: np.ndarray) -> Any:
        return self._array("bin").take(pa.array(idx))

    def cypher(self, idx: np.ndarray) -> Any:
        return self._array("cypher").take(pa.array(idx))


# -- a block of relationships of one layout ------------------------------------------------------
@dataclass
class RelBlock:
    """Relationships of one layout (a type without properties of its own), column-wise: dense
    node numbers of the ends, the ids, and for ``sources``, ``evidence``, ``claims``,
    ``reliability``, ``credibility`` the numbers of their values in the load's
    :class:`ValueTable`."""

    code: int
    start: np.ndarray
    end: np.ndarray
    ids: Any  # pyarrow string array
    values: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.start)

    def keep(self, skip: set[str]) -> np.ndarray:
        """Row positions whose id is not in ``skip`` (rows merged elsewhere)."""
        if not skip:
            return np.arange(len(self))
        drop = pc.is_in(self.ids, value_set=pa.array(sorted(skip), pa.string())).to_numpy(zero_copy_only=False)
        return np.flatnonzero(~drop)

    def json_row(self, k: int, table: ValueTable) -> str:
        """Row ``k`` as JSON: ``["id", sources, evidence, claims, reliability, credibility]``."""
        return f'["{self.ids[k].as_py()}",' + ",".join(table.json[v[k]] for v in self.values) + "]"

    def bulk_payload(self, rows: np.ndarray, a: np.ndarray, b: np.ndarray, table: ValueTable) -> bytes:
        """Bulk-append edge records of ``rows`` (ends given as internal ids ``a``, ``b``):
        the two ids, then id, sources, evidence, claims, reliability, credibility."""
        n = len(rows)
        ends = np.empty((n, 2), dtype="<u8")
        ends[:, 0] = a
        ends[:, 1] = b
        qq = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), n, [None, pa.py_buffer(ends.tobytes())])
        parts = [qq.cast(pa.binary()), pa.scalar(b"\x03"), self.ids.take(pa.array(rows)).cast(pa.binary()),
                 pa.scalar(b"\x00")]
        parts += [table.binary(v[rows]) for v in self.values]
        return _contiguous(pc.binary_join_element_wise(*parts, b""))

    def cypher_rows(self, rows: np.ndarray, a: np.ndarray, b: np.ndarray, table: ValueTable) -> list[str]:
        """Cypher list rows ``[a, b, "id", sources, evidence, claims, reliability, credibility]``."""
        parts: list[Any] = ["[", pa.array(a).cast(pa.string()), ",", pa.array(b).cast(pa.string()), ',"',
                            self.ids.take(pa.array(rows)), '"']
        for v in self.values:
            parts += [",", table.cypher(v[rows])]
        parts.append("]")
        return pc.binary_join_element_wise(*parts, "").to_pylist()


def _offsets(arr: Any) -> np.ndarray:
    """Where each value of a binary array starts in its data buffer (and where the last ends)."""
    return np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)


def _contiguous(arr: Any) -> bytes:
    """The values of a binary array, end to end."""
    offsets = _offsets(arr)
    return arr.buffers()[2][offsets[0]:offsets[-1]].to_pybytes()

