"""Every benchmark, one after the other, each printing its table:

    python benchmarks/run.py            # 10k, 100k and 1M relationships (tens of minutes)
    python benchmarks/run.py --quick    # 10k and 100k only
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in argv
    sizes = ["10000", "100000"] if quick else ["10000", "100000", "1000000"]
    runs = [
        ["bench_load.py", "--sizes", *sizes],
        ["bench_queries.py", "--sizes", *sizes],
        ["bench_centrality.py", *([] if quick else ["--million"])],
    ]
    status = 0
    for script, *args in runs:
        print(f"\n=== {script} {' '.join(args)}", flush=True)
        status |= subprocess.call([sys.executable, str(HERE / script), *args])
    return status


if __name__ == "__main__":
    sys.exit(main())
