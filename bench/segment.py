"""Segmentation speed against spaCy's bare sentencizer, and a Golden Rules score.

Usage: python bench/segment.py [--mb 1.0] [--repeat 5] [--golden PATH] [--verbose]

The text is the two seed stories from ../shared/seeds repeated to about ``--mb`` MB
when they are there, otherwise the demo story the project ships, repeated. The bare
sentencizer (``spacy.blank("en")`` + ``sentencizer``, run with ``nlp.pipe`` over the
blank-line paragraphs, sentence offsets collected) and the project's ``segment`` run
alternately in one process; the best run of each gives MB/s and their ratio. Runs are
timed in CPU seconds of this process (``time.process_time``), so that other jobs on a
shared machine slow the figures less than they would wall-clock time.

``--golden PATH`` scores a local copy of pySBD's ``benchmarks/english_golden_rules.py``
(a Python file defining ``GOLDEN_EN_RULES``, a list of ``(text, [sentences])``): a case
passes when the stripped sentences equal the expected ones. The file is not part of
the project; fetch it yourself.
"""

import argparse
import re
import resource
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.text.segmentation import normalize, segment  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
_BLANK_LINE = re.compile(r"(\n[ \t]*\n)")


def source_text() -> tuple[str, str]:
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else []
    if seeds:
        return "\n\n".join(p.read_text(encoding="utf-8") for p in seeds), "shared/seeds"
    demo = ROOT / "articles" / "demo"
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(demo.glob("*.txt"))), "demo"


def bare_sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")

    def sentences(text: str) -> list[tuple[int, int]]:
        spans = []
        offset = 0
        paragraphs = []
        for i, part in enumerate(_BLANK_LINE.split(text)):
            if i % 2 == 0:  # odd items are the separators the group captured
                paragraphs.append((offset, part))
            offset += len(part)
        docs = nlp.pipe((p for _, p in paragraphs), batch_size=256)
        for (start, _), doc in zip(paragraphs, docs, strict=True):
            spans.extend((start + s.start_char, start + s.end_char) for s in doc.sents)
        return spans

    return sentences


def project(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for b in segment(text) for s in b.sentences]


def golden_score(path: Path, split, *, verbose: bool) -> tuple[int, int]:
    cases = runpy.run_path(str(path))["GOLDEN_EN_RULES"]
    passed = 0
    for text, expected in cases:
        got = [text[s:e].strip() for s, e in split(text)]
        got = [g for g in got if g]
        if got == [e.strip() for e in expected]:
            passed += 1
        elif verbose:
            print(f"  miss: {text!r}\n     -> {got!r}")
    return passed, len(cases)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=1.0, help="size of the timed text")
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs of each")
    parser.add_argument("--golden", type=Path, help="local english_golden_rules.py")
    parser.add_argument("--verbose", action="store_true", help="print each golden miss")
    args = parser.parse_args()
    base, origin = source_text()
    copies = max(1, round(args.mb * 1e6 / len(base.encode("utf-8"))))
    text = normalize("\n\n".join([base] * copies))
    words, size = len(text.split()), len(text.encode("utf-8"))
    bare = bare_sentencizer()
    bare("Warm up. Load spaCy.")
    project("Warm up.")
    best = {"bare": float("inf"), "project": float("inf")}
    counts = {}
    for _ in range(args.repeat):
        for name, split in (("bare", bare), ("project", project)):
            t0 = time.process_time()
            counts[name] = len(split(text))
            best[name] = min(best[name], time.process_time() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"text: {origin} x{copies}: {words:,} words, {size / 1e6:.2f} MB")
    for name, label in (("bare", "bare sentencizer"), ("project", "project segment()")):
        print(
            f"{label:<18} {size / 1e6 / best[name]:6.2f} MB/s  {best[name]:.3f} s CPU  "
            f"{counts[name]:,} sentences (best of {args.repeat})"
        )
    print(f"ratio project/bare: {best['bare'] / best['project']:.2f}  (peak RSS {rss:.0f} MB)")
    if args.golden:
        for name, split in (("bare", bare), ("project", project)):
            if args.verbose:
                print(f"{name}:")
            passed, total = golden_score(args.golden, split, verbose=args.verbose)
            print(f"golden rules, {name}: {passed}/{total}")


if __name__ == "__main__":
    main()
