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
import bisect
import itertools
import json
import multiprocessing
import random
import resource
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


# ------------------------------------------------------------------ long pairs (--words)

FIRST_NAMES = _words(
    "Anna Boris Chen Dara Emeka Farah Gustavo Hana Ivan Jamal Keiko Luis Maya Nikos Olga Priya "
    "Quentin Rosa Sami Tomas Uma Viktor Wen Yusuf Zara"
)
MONTHS = _words(
    "January February March April May June July August September October November December"
)
# One generated unit: its words, the original sentences it comes from, and whether it is a heading.
Item = tuple[list[str], tuple[int, ...], bool]


class LongStory(Story):
    """A long report: a vocabulary that grows with the length (Heaps' law), names, figures, dates."""

    def __init__(self, rng: random.Random, words: int) -> None:
        super().__init__(rng, vocabulary=max(2000, int(8 * words**0.6)))
        surnames: set[str] = set()
        while len(surnames) < len(self.content) // 10:
            surnames.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title())
        self.surnames = sorted(surnames)
        rng.shuffle(self.surnames)
        self.places = [w.title() for w in self.content[-len(self.surnames) :]]
        self.name_weights = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(self.surnames)))
        )

    def name(self) -> str:
        surname = self.rng.choices(self.surnames, cum_weights=self.name_weights)[0]
        return f"{self.rng.choice(FIRST_NAMES)} {surname}"

    def fact(self) -> str:
        rng, roll = self.rng, self.rng.random()
        if roll < 0.3:
            return f"{rng.randint(2, 999)}{rng.choice([',000', '', '.5', ',500'])}"
        if roll < 0.5:
            return f"{rng.randint(1, 99)}%"
        if roll < 0.7:
            return f"${rng.randint(1, 900)} {rng.choice(['million', 'billion'])}"
        if roll < 0.85:
            return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1990, 2026)}"
        return rng.choice(self.places)

    def long_sentence(self) -> list[str]:
        words = self.sentence()
        if self.rng.random() < 0.4:
            words.insert(self.rng.randrange(len(words)), self.name())
        if self.rng.random() < 0.4:
            words.insert(self.rng.randrange(1, len(words) + 1), self.fact())
        return words

    def heading(self) -> list[str]:
        pick = self.rng.choices
        return [
            pick(self.content, cum_weights=self.cum_weights)[0]
            for _ in range(self.rng.randint(2, 6))
        ]

    def reword(self, words: list[str]) -> list[str]:
        """Reworded as in Story, but names and figures are kept (change_fact changes them)."""
        out: list[str] = []
        for word in words:
            if (
                word[:1].isupper()
                or word[:1] in "$"
                or any(c.isdigit() for c in word)
                or word == ","
            ):
                out.append(word)
            else:
                out += super().reword([word])
        if "," in out and self.rng.random() < 0.5:  # swap the clauses
            k = out.index(",")
            out = out[k + 1 :] + [","] + out[:k]
        return out or words

    def change_fact(self, words: list[str]) -> list[str]:
        """The same sentence giving another figure, date, place or name."""
        out = list(words)
        facts = [k for k, w in enumerate(out) if w[:1].isupper() or any(c.isdigit() for c in w)]
        if facts:
            k = self.rng.choice(facts)
            out[k] = self.name() if out[k][:1].isalpha() else self.fact()
        else:
            out.insert(self.rng.randrange(1, len(out) + 1), self.fact())
        return out


def make_long_pair(words: int, seed: int = 0):
    """A generated report of about `words` words and its rewrite, as texts.

    The rewrite rewords every sentence (synonyms, dropped and added words, swapped
    clauses), drops and adds sentences and paragraphs, splits and merges sentences,
    changes a figure, date, place or name in about one sentence in twenty, and moves
    about one paragraph in ten elsewhere. Returns (left text, right text, left spans,
    right spans, gold): spans are the generated sentences' (start, end) in each text,
    gold the (left, right) pairs of positions in those lists.
    """
    rng = random.Random(seed)
    story = LongStory(rng, words)
    paragraphs: list[list[Item]] = []
    count = total = 0
    while total < words:
        if rng.random() < 0.08:
            heading = story.heading()
            paragraphs.append([(heading, (count,), True)])
            count, total = count + 1, total + len(heading)
            continue
        para: list[Item] = []
        for _ in range(rng.randint(1, 6)):
            sentence = story.long_sentence()
            para.append((sentence, (count,), False))
            count, total = count + 1, total + len(sentence)
        paragraphs.append(para)

    rewrite: list[list[Item]] = []
    for para in paragraphs:
        roll = rng.random()
        if para[0][2]:
            rewrite.append([(story.reword(para[0][0]), para[0][1], True)])
            continue
        if roll < 0.02:  # the paragraph is dropped
            continue
        if roll < 0.04:  # a paragraph is added
            rewrite.append([(story.long_sentence(), (), False) for _ in range(rng.randint(1, 4))])
        out: list[Item] = []
        k = 0
        while k < len(para):
            (sentence, origin, _), roll = para[k], rng.random()
            if roll < 0.05:  # dropped
                k += 1
            elif roll < 0.10:  # added
                out.append((story.long_sentence(), (), False))
            elif roll < 0.14 and len(sentence) >= 12:  # split in two
                new = story.reword(sentence)
                cut = len(new) // 2
                out += [(new[:cut], origin, False), (new[cut:], origin, False)]
                k += 1
            elif roll < 0.18 and k + 1 < len(para):  # merged with the next
                _, following, _ = para[k + 1]
                joined = story.reword(sentence) + [","] + story.reword(para[k + 1][0])
                out.append((joined, origin + following, False))
                k += 2
            else:
                new = story.reword(sentence)
                if roll < 0.23:
                    new = story.change_fact(new)
                out.append((new, origin, False))
                k += 1
        if out:
            rewrite.append(out)
    moved = 0
    while moved < len(rewrite) // 10:  # move paragraphs, one or two at a time
        size = rng.randint(1, 2)
        start = rng.randrange(0, max(1, len(rewrite) - size))
        block = rewrite[start : start + size]
        del rewrite[start : start + size]
        target = rng.randrange(0, len(rewrite) + 1)
        rewrite[target:target] = block
        moved += size

    left_text, left_spans = _render_paragraphs(paragraphs)
    right_text, right_spans = _render_paragraphs(rewrite)
    origins = [origin for para in rewrite for _, origin, _ in para]
    gold = {(i, j) for j, origin in enumerate(origins) for i in origin}
    return left_text, right_text, left_spans, right_spans, gold


def _render_paragraphs(paragraphs: list[list[Item]]) -> tuple[str, list[tuple[int, int]]]:
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in paragraphs:
        for k, (words, _, heading) in enumerate(para):
            sep = ("\n\n" if parts else "") if k == 0 else " "
            text = " ".join(words).title() if heading else render(words)
            parts += [sep, text]
            pos += len(sep)
            spans.append((pos, pos + len(text)))
            pos += len(text)
    return "".join(parts), spans


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
    parser.add_argument(
        "--words",
        help="instead: generated long pairs of these many words (comma-separated), "
        "segmented and aligned, each in a fresh process",
    )
    parser.add_argument("--claims", type=int, default=100, help="with --words: claims ranked")
    args = parser.parse_args()
    if args.words:
        long_pairs([int(w) for w in args.words.split(",")], claims=args.claims)
        return
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


def long_pairs(sizes: list[int], *, claims: int) -> None:
    """Segment and align a generated long pair of each size, each in a fresh process."""
    print(f"similarity: {similarity_backend()}")
    print("time: wall-clock seconds (cpu seconds); peak: the process's peak RSS, and what it")
    print("added over the RSS before segmenting (the pair's texts and the imports are in both)")
    print(
        f"{'words':>9} {'MB':>5} {'sent L/R':>13} {'segment s':>14} {'align s':>14} "
        f"{'µs/sent':>7} {'total s':>7} {'peak MB':>7} {'added':>6} "
        f"{'links':>6} {'pair P':>6} {'pair R':>6}"
    )
    rows = []
    context = multiprocessing.get_context("fork")
    for words in sizes:
        with context.Pool(1, maxtasksperchild=1) as pool:
            row = pool.apply(_long_pair_row, (words, claims))
        rows.append(row)
        print(
            f"{row['words']:>9,} {row['mb']:>5.1f} {row['left']:>6,}/{row['right']:>6,} "
            f"{row['segment']:>6.2f} ({row['segment_cpu']:>5.2f}) "
            f"{row['align']:>6.2f} ({row['align_cpu']:>5.2f}) "
            f"{row['per_sentence']:>7.0f} {row['segment'] + row['align']:>7.2f} "
            f"{row['peak']:>7.0f} {row['added']:>6.0f} {row['links']:>6,} "
            f"{row['precision']:>6.3f} {row['recall']:>6.3f}",
            flush=True,
        )
    print(
        f"\nsuggest() for {claims} claims (sentences at random and the first half of each "
        "as the claim's words), after the pair's vectors are fitted:"
    )
    print(f"{'words':>9} {'fit + rank s':>12} {'ms/claim':>8}")
    for row in rows:
        print(f"{row['words']:>9,} {row['suggest_first']:>12.2f} {row['suggest_per_claim']:>8.2f}")


def _long_pair_row(words: int, claims: int) -> dict:
    from articles.text.segmentation import segment

    left_text, right_text, left_spans, right_spans, gold = make_long_pair(words, seed=words)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    left_blocks, right_blocks = segment(left_text), segment(right_text)
    seg, seg_cpu = time.perf_counter() - started, time.process_time() - cpu
    left_sents = [s for b in left_blocks for s in b.sentences]
    right_sents = [s for b in right_blocks for s in b.sentences]
    left = [left_text[s.start : s.end] for s in left_sents]
    right = [right_text[s.start : s.end] for s in right_sents]
    started, cpu = time.perf_counter(), time.process_time()
    links = align(left, right)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Gold pairs of generated sentences, as pairs of segmented sentences.
    to_left = _positions(left_sents, left_spans)
    to_right = _positions(right_sents, right_spans)
    segmented_gold = {(to_left[i], to_right[j]) for i, j in gold}
    precision, recall, _ = pair_scores(links, segmented_gold)

    rng = random.Random(words)
    rows = sorted(rng.sample(range(len(left)), min(claims, len(left))))
    queries = [(left[i][: max(1, len(left[i]) // 2)], i) for i in rows]
    started = time.perf_counter()
    suggest(left, right, k=5, rows=rows[: claims // 2], queries=queries[: claims // 2])
    first = time.perf_counter() - started
    started = time.perf_counter()
    suggest(left, right, k=5, rows=rows[claims // 2 :], queries=queries[claims // 2 :])
    per_claim = (time.perf_counter() - started) / max(1, len(rows) - claims // 2) * 1000
    return {
        "words": len(left_text.split()),
        "mb": len(left_text.encode()) / 1e6,
        "left": len(left),
        "right": len(right),
        "segment": seg,
        "segment_cpu": seg_cpu,
        "align": elapsed,
        "align_cpu": cpu,
        "per_sentence": elapsed / (len(left) + len(right)) * 1e6,
        "peak": peak,
        "added": peak - before,
        "links": len(links),
        "precision": precision,
        "recall": recall,
        "suggest_first": first,
        "suggest_per_claim": per_claim,
    }


def _positions(sentences, spans: list[tuple[int, int]]) -> list[int]:
    """For each generated sentence span, the segmented sentence its start falls in."""
    starts = [s.start for s in sentences]
    return [max(0, bisect.bisect_right(starts, start) - 1) for start, _ in spans]


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
