"""Time articles.text.alignment.align() on synthetic story pairs, and score it on the labelled set.

Run from the repository root:  .venv/bin/python bench/align.py [--sizes 100,1000,10000]

It also times suggest() (k=3 candidates for every sentence, any order) at each size, and
scores both on the two labelled sets: the project's own pair (tests/articles/data) and the
real seed pair (../shared/seeds, labelled in tests/articles/data/seed_counterparts.json):
recall@1 and recall@3 of counterpart suggestions, and link precision of align().

The synthetic "rewrite" of each generated story rewords every sentence
(synonyms swapped, words dropped and added, clauses swapped), drops and adds
sentences, splits and merges some, and moves a few blocks elsewhere. The
gold links are known by construction; quality is precision and recall of
(left sentence, right sentence) pairs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.text.alignment import align, similarity_backend, suggest  # noqa: E402
from articles.text.factdiff import diff_facts  # noqa: E402

DATA = ROOT / "tests" / "articles" / "data"


def _words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _words(
    "the of and to a in that is was he for it with as his on be at by had are but from or have an they "
    "which one you were her all she there would their we him been has when who will more no if out so said "
    "what up its about into than them can only other new some could time these two may then do first any "
    "my now such like our over man me even most made after also did many before must through back years"
)
SYLLABLES = _words(
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ha he hi ho ka ke ki ko la le li "
    "lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve "
    "vi vo wa we wi ya yo za zo tran ster port ment tion able ing ed er ly"
)


class Story:
    """Random word-realistic text: Zipf-distributed invented content words between function words."""

    def __init__(self, rng: random.Random, vocabulary: int = 6000) -> None:
        self.rng = rng
        words = set()
        while len(words) < vocabulary:
            words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.content = sorted(words)
        rng.shuffle(self.content)
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(self.content)))
        )
        self.synonym = {w: rng.choice(self.content) for w in self.content}

    def sentence(self) -> list[str]:
        length = self.rng.randint(8, 30)
        out = []
        for _ in range(length):
            if self.rng.random() < 0.45:
                out.append(self.rng.choice(FUNCTION_WORDS))
            else:
                out.append(self.rng.choices(self.content, cum_weights=self.cum_weights)[0])
        if length > 14 and self.rng.random() < 0.5:
            out.insert(self.rng.randint(5, length - 5), ",")
        return out

    def reword(self, words: list[str]) -> list[str]:
        out = []
        for word in words:
            roll = self.rng.random()
            if word in self.synonym and roll < 0.25:
                out.append(self.synonym[word])
            elif roll < 0.30:
                continue
            else:
                out.append(word)
            if self.rng.random() < 0.05:
                out.append(self.rng.choice(FUNCTION_WORDS))
        if "," in out and self.rng.random() < 0.5:  # swap the clauses
            k = out.index(",")
            out = out[k + 1 :] + [","] + out[:k]
        return out


def render(words: list[str]) -> str:
    text = " ".join(words).replace(" ,", ",")
    return text[:1].upper() + text[1:] + "."


def make_pair(n: int, seed: int = 0) -> tuple[list[str], list[str], set[tuple[int, int]]]:
    """Return left sentences, right sentences and gold (left, right) index pairs."""
    rng = random.Random(seed)
    story = Story(rng)
    left_words = [story.sentence() for _ in range(n)]
    # Right side as a list of (words, origin left indices).
    items: list[tuple[list[str], tuple[int, ...]]] = []
    i = 0
    while i < n:
        roll = rng.random()
        if roll < 0.05:  # dropped
            i += 1
            continue
        if roll < 0.10:  # added
            items.append((story.sentence(), ()))
            continue
        if roll < 0.14 and len(left_words[i]) >= 10:  # split in two
            words = story.reword(left_words[i])
            k = len(words) // 2
            items += [(words[:k], (i,)), (words[k:], (i,))]
            i += 1
            continue
        if roll < 0.18 and i + 1 < n:  # merged with the next
            items.append(
                (story.reword(left_words[i]) + [","] + story.reword(left_words[i + 1]), (i, i + 1))
            )
            i += 2
            continue
        items.append((story.reword(left_words[i]), (i,)))
        i += 1
    # Move about 10% of the text, in blocks of 3-6 sentences.
    moved = 0
    while moved < len(items) // 10:
        size = rng.randint(3, 6)
        start = rng.randrange(0, max(1, len(items) - size))
        block = items[start : start + size]
        del items[start : start + size]
        target = rng.randrange(0, len(items) + 1)
        items[target:target] = block
        moved += size
    right = [render(words) for words, _ in items]
    gold = {(li, rj) for rj, (_, origin) in enumerate(items) for li in origin}
    return [render(w) for w in left_words], right, gold


def pair_scores(links, gold: set[tuple[int, int]]) -> tuple[float, float, float]:
    found = {(i, j) for link in links for i in link.left for j in link.right}
    hits = len(found & gold)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def labelled_set() -> tuple[list[str], list[str], list[dict]]:
    def sentences(name: str) -> list[str]:
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        return [line for line in lines if line.strip()]

    gold = json.loads((DATA / "align_gold.json").read_text(encoding="utf-8"))["links"]
    return sentences("align_original.txt"), sentences("align_rewrite.txt"), gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    suggest_rows = []

    print(f"similarity: {similarity_backend()}")
    print(f"{'sentences/side':>14} {'right':>6} {'links':>6} {'time s':>7} {'cpu s':>6} {'peak MB':>8} "
          f"{'pair P':>7} {'pair R':>7} {'F1':>6}")  # fmt: skip
    for n in sizes:
        left, right, gold = make_pair(n, seed=n)
        started, cpu = time.perf_counter(), time.process_time()
        links = align(left, right)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        tracemalloc.start()
        align(left, right)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        p, r, f1 = pair_scores(links, gold)
        print(f"{n:>14,} {len(right):>6,} {len(links):>6,} {elapsed:>7.2f} {cpu:>6.2f} {peak:>8.1f} "
              f"{p:>7.3f} {r:>7.3f} {f1:>6.3f}")  # fmt: skip
        suggest_rows.append(_time_suggest(n, left, right, gold))

    print(
        f"\nsuggest(k=3) {'sentences/side':>14} {'time s':>7} {'cpu s':>6} {'peak MB':>8} "
        f"{'R@1':>6} {'R@3':>6}"
    )
    for n, elapsed, cpu, peak, r1, r3 in suggest_rows:
        print(f"{'':>12} {n:>14,} {elapsed:>7.2f} {cpu:>6.2f} {peak:>8.1f} {r1:>6.3f} {r3:>6.3f}")

    left, right, gold_links = labelled_set()
    links = align(left, right)
    gold = {(i, j) for g in gold_links for i in g["left"] for j in g["right"]}
    p, r, f1 = pair_scores(links, gold)
    exact = {(link.left, link.right) for link in links}
    gold_exact = {(tuple(g["left"]), tuple(g["right"])) for g in gold_links}
    hits = len(exact & gold_exact)
    print(f"\nlabelled set ({len(left)} / {len(right)} sentences):")
    print(f"  links exact: precision {hits / len(exact):.3f}, recall {hits / len(gold_exact):.3f}")
    print(f"  sentence pairs: precision {p:.3f}, recall {r:.3f}, F1 {f1:.3f}")
    found, expected = set(), set()
    for g in gold_links:
        a = " ".join(left[i] for i in g["left"])
        b = " ".join(right[j] for j in g["right"])
        key = (tuple(g["left"]), tuple(g["right"]))
        found |= {(key, d.describe()) for d in diff_facts(a, b)}
        expected |= {(key, text) for text in g["facts"]}
    hits = len(found & expected)
    print(f"  fact differences on gold links: {len(found)} found, {len(expected)} expected, "
          f"precision {hits / max(len(found), 1):.3f}, recall {hits / max(len(expected), 1):.3f}")  # fmt: skip
    ranked = suggest(left, right, k=3)
    accepted: dict[int, set[int]] = {}
    for i, j in gold:
        accepted.setdefault(i, set()).add(j)
    r1 = sum(bool(ranked[i]) and ranked[i][0].right in ok for i, ok in accepted.items())
    r3 = sum(bool({c.right for c in ranked[i]} & ok) for i, ok in accepted.items())
    print(
        f"  suggestions: recall@1 {r1 / len(accepted):.3f}, recall@3 {r3 / len(accepted):.3f} "
        f"({len(accepted)} sentences with a counterpart)"
    )
    _heavy_figures()
    _seed_figures()


def _heavy_figures() -> None:
    from tests.articles import heavyset

    h = heavyset.score()
    print("\nheavily reworded pair (tests/articles/data/heavy_*, 12 / 12 sentences):")
    print(f"  suggestions: recall@1 {h.recall_at_1:.3f}, recall@3 {h.recall_at_3:.3f}")
    print(f"  align: {h.links} links, precision {h.link_precision:.3f}")
    print(
        f"  changed facts found {h.changed_found}/{h.changed}, "
        f"false alarms on unchanged sentences {h.false_alarms}"
    )


def _time_suggest(n, left, right, gold):
    started, cpu = time.perf_counter(), time.process_time()
    ranked = suggest(left, right, k=3)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    suggest(left, right, k=3)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    accepted: dict[int, set[int]] = {}
    for i, j in gold:
        accepted.setdefault(i, set()).add(j)
    r1 = sum(bool(ranked[i]) and ranked[i][0].right in ok for i, ok in accepted.items())
    r3 = sum(bool({c.right for c in ranked[i]} & ok) for i, ok in accepted.items())
    return n, elapsed, cpu, peak, r1 / len(accepted), r3 / len(accepted)


def _seed_figures() -> None:
    from tests.articles import seedset

    if not seedset.available():
        print("\nseed pair: ../shared/seeds is not beside this checkout; skipped")
        return
    scores = seedset.score()
    print(f"\nseed pair (BBC copy -> blog, {scores.clear} clear pairs):")
    print(f"  suggestions: recall@1 {scores.recall_at_1:.3f}, recall@3 {scores.recall_at_3:.3f}")
    print(f"  align: {scores.links} links, precision {scores.link_precision:.3f}")
    facts = seedset.fact_scores()
    print(
        f"  material fact differences on counterpart pairs: {facts.found} found, "
        f"{facts.expected} expected, precision {facts.precision:.3f}, recall {facts.recall:.3f}"
    )


if __name__ == "__main__":
    main()
