"""A pair written for these tests with heavy rewording (data/heavy_*.txt, data/heavy_gold.json).

Every sentence is reworded with synonyms and a new word order; one sentence is split, two
are merged, paragraphs move, and three facts change. Used by test_alignment.py and
bench/align.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from articles.text.alignment import align, suggest
from articles.text.factdiff import diff_facts, material

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class HeavyScores:
    recall_at_1: float
    recall_at_3: float
    links: int
    link_precision: float
    changed_found: int
    changed: int
    false_alarms: int


def _lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def score() -> HeavyScores:
    left, right = _lines("heavy_original.txt"), _lines("heavy_rewrite.txt")
    gold = json.loads((DATA / "heavy_gold.json").read_text(encoding="utf-8"))["links"]
    ranked = suggest(left, right, k=3)
    at1 = sum(bool(ranked[g["left"]]) and ranked[g["left"]][0].right in g["right"] for g in gold)
    at3 = sum(bool({s.right for s in ranked[g["left"]]} & set(g["right"])) for g in gold)
    accepted = {g["left"]: set(g["right"]) for g in gold}
    links = align(left, right)
    good = sum(any(j in accepted.get(i, ()) for i in ln.left for j in ln.right) for ln in links)
    found = alarms = 0
    for g in gold:
        joined = " ".join(right[j] for j in g["right"])
        diffs = [
            d for d in diff_facts(left[g["left"]], joined) if material(d.kind, d.left, d.right)
        ]
        if g["changed"]:
            found += bool(diffs)
        else:
            alarms += bool(diffs)
    return HeavyScores(
        recall_at_1=at1 / len(gold),
        recall_at_3=at3 / len(gold),
        links=len(links),
        link_precision=good / max(len(links), 1),
        changed_found=found,
        changed=sum(g["changed"] for g in gold),
        false_alarms=alarms,
    )
