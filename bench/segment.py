"""Segmentation throughput: sentences/s and MB/s on a ~100k-word text.

Usage: python bench/segment.py [--words 100000]
The text is the two seed stories from ../shared/seeds repeated when they are there,
otherwise the demo story the project ships, repeated.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.text.segmentation import normalize, segment  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"


def source_text() -> tuple[str, str]:
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else []
    if seeds:
        return "\n\n".join(p.read_text(encoding="utf-8") for p in seeds), "shared/seeds"
    demo = ROOT / "articles" / "demo"
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(demo.glob("*.txt"))), "demo"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base, origin = source_text()
    copies = max(1, args.words // len(base.split()))
    text = normalize("\n\n".join([base] * copies))
    words, size = len(text.split()), len(text.encode("utf-8"))
    segment("Warm up. Load spaCy.")
    best = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        blocks = segment(text)
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    n_sentences = sum(len(b.sentences) for b in blocks)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"text: {origin} x{copies}: {words:,} words, {size / 1e6:.2f} MB, "
        f"{len(blocks):,} blocks, {n_sentences:,} sentences"
    )
    print(
        f"best of {args.repeat}: {best:.2f} s  ->  {n_sentences / best:,.0f} sentences/s, "
        f"{size / 1e6 / best:.2f} MB/s, {words / best:,.0f} words/s; peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
