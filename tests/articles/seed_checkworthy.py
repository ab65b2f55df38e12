"""The hand-labelled check-worthy sentences of the two seed texts, and how well the
suggestions find them.

data/seed_checkworthy.json names each labelled sentence by code-point offsets into the NFC
text of its seed file and the first 8 hex digits of its SHA-256: no seed text is copied
into the project. A suggestion counts as correct when its sentence overlaps a labelled one.
Used by tests/articles/test_suggestions_seeds.py and bench/suggest.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from articles.text import checkworthy
from articles.text.alignment import align
from articles.text.segmentation import normalize, segment

DATA = Path(__file__).parent / "data" / "seed_checkworthy.json"
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


class LabelMismatch(AssertionError):
    """A labelled span no longer matches the seed text (the file changed)."""


@dataclass(frozen=True)
class Scores:
    file: str
    sentences: int
    labelled: int
    suggested: int
    precision_at_10: float
    precision: float
    recall: float


def available(seeds: Path = SEEDS) -> bool:
    gold = json.loads(DATA.read_text(encoding="utf-8"))
    return all((seeds / name).is_file() for name in gold["files"])


def _read(seeds: Path, name: str):
    text = normalize((seeds / name).read_text(encoding="utf-8"))
    blocks = segment(text)
    spans = [(s.start, s.end) for b in blocks for s in b.sentences]
    kinds = [b.kind for b in blocks for _ in b.sentences]
    return text, spans, kinds


def score(seeds: Path = SEEDS, scorer=checkworthy.rule_score) -> list[Scores]:
    """Precision@10, precision and recall of the ranked suggestions on each seed."""
    gold = json.loads(DATA.read_text(encoding="utf-8"))
    names = list(gold["files"])
    read = {name: _read(seeds, name) for name in names}
    results = []
    for name in names:
        text, spans, kinds = read[name]
        labels = []
        for start, end, digest in gold["files"][name]["checkworthy"]:
            if hashlib.sha256(text[start:end].encode("utf-8")).hexdigest()[:8] != digest:
                raise LabelMismatch(f"{name}: span {start}-{end} no longer matches {digest}")
            labels.append((start, end))
        sentences = [text[s:e] for s, e in spans]
        differs = [False] * len(sentences)
        for other in names:
            if other == name:
                continue
            o_text, o_spans, _ = read[other]
            o_sentences = [o_text[s:e] for s, e in o_spans]
            links = [(link.left, link.right) for link in align(sentences, o_sentences)]
            found = checkworthy.differing(sentences, o_sentences, links)
            differs = [a or b for a, b in zip(differs, found, strict=True)]
        ranked = checkworthy.rank(sentences, kinds=kinds, differs=differs, scorer=scorer)

        chosen = [spans[c.index] for c in ranked]
        hits = [any(s < le and ls < e for ls, le in labels) for s, e in chosen]
        found_labels = sum(any(s < le and ls < e for s, e in chosen) for ls, le in labels)
        top = hits[:10]
        results.append(
            Scores(
                file=name,
                sentences=len(sentences),
                labelled=len(labels),
                suggested=len(ranked),
                precision_at_10=sum(top) / 10,
                precision=sum(hits) / max(len(hits), 1),
                recall=found_labels / max(len(labels), 1),
            )
        )
    return results
