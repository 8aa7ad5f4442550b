"""Where a command's time went: ``INTELGRAPH_TIMINGS=1 intelgraph ...`` prints one line to stderr
at exit — seconds from the process's start (read from ``/proc``, so Python's own start and the
imports count) to each step the command marks — e.g.::

    timings: imports 0.61 s; store open 0.05 s; read 6.90 s; write 2.10 s; finish 0.12 s; exit 0.01 s; total 9.79 s

Each figure is the time since the previous mark. ``benchmarks/bench_commands.py`` prints it
beside the wall clock of each command. Without the variable :func:`mark` does nothing.
"""

from __future__ import annotations

import os
import sys
import time

__all__ = ["ENV", "enabled", "mark", "line"]

ENV = "INTELGRAPH_TIMINGS"
_marks: list[tuple[str, float]] = []


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def _process_start() -> float:
    """The process's start on the ``time.time()`` clock (Linux /proc; elsewhere: now)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return time.time() - uptime + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time()


def mark(step: str) -> None:
    """``step`` has just ended."""
    if enabled():
        if not _marks:
            _marks.append(("start", _process_start()))
        _marks.append((step, time.time()))


def line() -> str:
    """The steps and their seconds, each since the one before."""
    parts = [f"{name} {t - before:.2f} s" for (_, before), (name, t) in zip(_marks, _marks[1:])]
    if len(_marks) > 1:
        parts.append(f"total {_marks[-1][1] - _marks[0][1]:.2f} s")
    return "timings: " + "; ".join(parts)


def report() -> None:
    """Print :func:`line` to stderr (at the command's exit)."""
    if enabled() and len(_marks) > 1:
        mark("exit")
        print(line(), file=sys.stderr, flush=True)
