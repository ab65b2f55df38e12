"""Suggested claims against the hand-labelled seed sentences: precision@10, precision, recall.

Run from the repository root:  .venv/bin/python bench/suggest.py

Needs the two seed texts in ../shared/seeds/ (beside the repository); the labels are in
tests/articles/data/seed_checkworthy.json (offsets and hashes, no seed text).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.articles import seed_checkworthy  # noqa: E402


def main() -> int:
    if not seed_checkworthy.available():
        print(f"The seed texts are not in {seed_checkworthy.SEEDS}; nothing to measure.")
        return 1
    started = time.perf_counter()
    scores = seed_checkworthy.score()
    elapsed = time.perf_counter() - started
    print(f"{'seed':<28}{'sentences':>10}{'labelled':>9}{'suggested':>10}  P@10  precision  recall")
    for s in scores:
        print(
            f"{s.file:<28}{s.sentences:>10}{s.labelled:>9}{s.suggested:>10}  "
            f"{s.precision_at_10:4.2f}  {s.precision:9.2f}  {s.recall:6.2f}"
        )
    print(f"(both seeds ranked in {elapsed:.1f} s, alignment included)")
    return 0 if all(s.precision_at_10 >= 0.8 for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
