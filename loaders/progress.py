"""Reading progress: how far into each input file the readers have parsed, told to one callback.

``intelgraph load`` shows a bar by bytes read from the moment the CSV files are opened, not only
once the writing starts (the write of a 1M-relationship load follows ~9 s of reading). The readers
call :func:`read_to` with a file and the byte offset they have parsed to; :func:`reading` sets the
callback for the duration of a load. The callback is given the bytes newly read, summed over the
files: each file counts up to its furthest offset, so the total only grows and ends at the sum of
the file sizes once every file is read (a file read twice is not counted twice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = ["reading", "read_to"]

_sink: ContextVar[tuple[Callable[[int], None], dict[str, int]] | None] = ContextVar("reading_progress", default=None)


@contextmanager
def reading(callback: Callable[[int], None] | None) -> Iterator[None]:
    """Tell ``callback`` the bytes newly read (see the module), while the block runs."""
    token = _sink.set((callback, {}) if callback is not None else None)
    try:
        yield
    finally:
        _sink.reset(token)


def read_to(path: str | Path, offset: int) -> None:
    """The reader has parsed ``path`` up to byte ``offset``."""
    sink = _sink.get()
    if sink is None:
        return
    callback, furthest = sink
    key = str(path)
    gain = offset - furthest.get(key, 0)
    if gain > 0:
        furthest[key] = offset
        callback(gain)
