"""The validity suite: error rates, coverage and power of imblab's statistics, measured by simulation.

Usage: ``python benchmarks/validity/run.py [--scale S] [--only coverage,multiplicity,power,seeds,coverage-holdout,multiplicity-holdout]``.
``--scale`` multiplies every replication count (e.g. 0.25 on a busy machine); the
counts used are printed with each block. Seeded: the same scale gives the same numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import intervals  # noqa: E402
import multiplicity  # noqa: E402
import power  # noqa: E402
import seeds  # noqa: E402

#: Replication counts at scale 1.
COUNTS = {"coverage_cv": 400, "coverage_holdout": 400, "fwer_4": 300, "fwer_15": 100, "power": 300,
          "fwer_4_holdout": 1000, "seed_noise": 20, "seed_null": 100}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default="coverage,multiplicity,power,seeds",
                        help="blocks to run, comma-separated; also: coverage-holdout, multiplicity-holdout")
    args = parser.parse_args(argv)
    n = {k: max(2, int(round(v * args.scale))) for k, v in COUNTS.items()}
    data = common.population()
    blocks = {
        "coverage": lambda: intervals.report(n["coverage_cv"], n["coverage_holdout"], data=data),
        "coverage-holdout": lambda: intervals.holdout_report(n["coverage_holdout"], data=data),
        "multiplicity": lambda: multiplicity.report(n["fwer_4"], n["fwer_15"], data=data),
        "power": lambda: power.report(n["power"], data=data),
        "seeds": lambda: seeds.report(n["seed_noise"], n["seed_null"], data=data),
        # The closest call of the suite (AP, 4 strategies, holdout) with enough replications to tell 5% apart
        "multiplicity-holdout": lambda: multiplicity.report(n["fwer_4_holdout"], 0, data=data,
                                                            protocols=("holdout",)),
    }
    for name in args.only.split(","):
        start = time.time()
        for text in blocks[name]():
            print(text, flush=True)
        print(f"({name}: {time.time() - start:.0f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
