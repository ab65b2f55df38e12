"""The labelled counterpart set on the two seed texts, and how well the aligner does on it.

data/seed_counterparts.json names spans by code-point offsets into the NFC text of each
seed file, with the first 8 hex digits of the span's SHA-256: no seed text is copied into
the project, and no sentence index is stored, so the set survives a change of sentence
segmentation. Each entry is a span inside a BBC-copy sentence and the spans inside every
blog sentence a reader would accept as its counterpart; "clear" pairs are the ones any
reader would match, "possible" ones are debatable and count only for link precision.
Used by tests/articles/test_seed_counterparts.py and bench/align.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from articles.text.alignment import align, suggest
from articles.text.segmentation import normalize, segment

DATA = Path(__file__).parent / "data" / "seed_counterparts.json"
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


class LabelMismatch(AssertionError):
    """A labelled span no longer matches the seed text (the file changed)."""


@dataclass(frozen=True)
class Scores:
    clear: int
    recall_at_1: float
    recall_at_3: float
    links: int
    link_precision: float


def available(seeds: Path = SEEDS) -> bool:
    gold = json.loads(DATA.read_text(encoding="utf-8"))
    return all((seeds / gold[key]).is_file() for key in ("left_file", "right_file"))


def _check(text: str, ref: list) -> int:
    start, end, digest = ref
    if hashlib.sha256(text[start:end].encode("utf-8")).hexdigest()[:8] != digest:
        raise LabelMismatch(f"span {start}-{end} no longer matches its hash {digest}")
    return start


def _sentence_at(spans: list[tuple[int, int]], offset: int) -> int:
    return next(i for i, (s, e) in enumerate(spans) if s <= offset < e)


def load(seeds: Path = SEEDS):
    """Sentence texts of both seeds and the labelled pairs as sentence indices."""
    gold = json.loads(DATA.read_text(encoding="utf-8"))
    left = normalize((seeds / gold["left_file"]).read_text(encoding="utf-8"))
    right = normalize((seeds / gold["right_file"]).read_text(encoding="utf-8"))
    ls = [(s.start, s.end) for b in segment(left) for s in b.sentences]
    rs = [(s.start, s.end) for b in segment(right) for s in b.sentences]
    pairs = []
    for pair in gold["pairs"]:
        i = _sentence_at(ls, _check(left, pair["left"]))
        ok = {_sentence_at(rs, _check(right, r)) for r in pair["right"]}
        pairs.append((pair["kind"], i, ok))
    return [left[s:e] for s, e in ls], [right[s:e] for s, e in rs], pairs


def score(seeds: Path = SEEDS) -> Scores:
    left, right, pairs = load(seeds)
    ranked = suggest(left, right, k=3)
    clear = [(i, ok) for kind, i, ok in pairs if kind == "clear"]
    at1 = sum(bool(ranked[i]) and ranked[i][0].right in ok for i, ok in clear)
    at3 = sum(bool({s.right for s in ranked[i]} & ok) for i, ok in clear)
    accepted: dict[int, set[int]] = {}
    for _, i, ok in pairs:
        accepted.setdefault(i, set()).update(ok)
    links = align(left, right)
    good = sum(
        any(j in accepted.get(i, ()) for i in link.left for j in link.right) for link in links
    )
    return Scores(
        clear=len(clear),
        recall_at_1=at1 / len(clear),
        recall_at_3=at3 / len(clear),
        links=len(links),
        link_precision=good / max(len(links), 1),
    )
