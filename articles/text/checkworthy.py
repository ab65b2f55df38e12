"""Check-worthiness: which sentences state facts a fact-checker could verify, ranked.

Pure: sentences (str) in, scored candidates out. Signals are rules over the facts
``factdiff.extract_facts`` finds (numbers, money, percentages, dates, durations, names,
places, roles) and a few word patterns (attribution, comparison, cause, quotation);
speculation, questions and opinion count against. A scorer is any function from
``Signals`` to a float, so another (say, a trained model) can replace ``rule_score``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from articles.text.factdiff import diff_facts, extract_facts

NUMERIC = {"number", "money", "percent", "date", "duration"}
ENTITY = {"name", "place"}

_ATTRIBUTION = re.compile(
    r"\b(?:according to|said|says|say|told|tells|claims?|claimed|claiming|announced|"
    r"reported(?:ly)?|reports|described|describes|stated|states|confirmed|denied|"
    r"disputed|insists?|estimated?|hailed|wrote|writes|adds|added|argued|argues)\b",
    re.IGNORECASE,
)
_COMPARATIVE = re.compile(
    r"\b(?:more|less|fewer|greater|larger|bigger|cheaper|smaller|higher|lower)\s+than\b|"
    r"\b(?:largest|biggest|smallest|highest|lowest|first|only|most|least|top|"
    r"second-largest|leading|youngest|oldest|best|worst)\b",
    re.IGNORECASE,
)
_CAUSAL = re.compile(
    r"\b(?:because|due to|led to|leads to|caused?|causing|as a result|resulted in|"
    r"thanks to|so that|therefore)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[“\"”«](?:[^“\"”«»]*?\s){2,}[^“\"”«»]*?[”\"»“]")
# Event verbs in the past or perfect tense: something happened, and a record of it exists.
_EVENT = re.compile(
    r"\b(?:imposed|banned|prohibited|launched|released|founded|acquired|bought|sold|"
    r"invested|spent|trained|voted|approved|signed|elected|appointed|studied|arrested|"
    r"killed|raised|cut|won|lost|built|opened|closed|hired|fired|sworn|chaired|"
    r"critici[sz]ed|poured|encouraged|assisted|tightening|tightened)\b",
    re.IGNORECASE,
)
_SPECULATIVE = re.compile(
    r"\b(?:could|might|may|would|will|should|perhaps|possibly|likely|unclear|unsure|"
    r"whether)\b|^\s*(?:if|or|will)\b",
    re.IGNORECASE,
)
_OPINION = re.compile(
    r"\b(?:seems?|seemed|believe[sd]?|thinks?|think|certain|wake-up call|impressive|"
    r"stunning|pivotal|remarkable|just the latest|many assumed|paying attention)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Signals:
    """What a sentence shows; ``kind`` is its block kind (paragraph, heading, caption...)."""

    text: str
    kind: str
    numeric: int
    entities: int
    roles: int
    attribution: bool
    comparative: bool
    causal: bool
    quoted: bool
    event: bool
    question: bool
    speculative: bool
    opinion: bool
    words: int
    differs: bool = False  # the other version states a different fact here
    reasons: tuple[str, ...] = field(default=())


def signals(sentence: str, *, kind: str = "paragraph", differs: bool = False) -> Signals:
    """Read the check-worthiness signals of one sentence."""
    facts = extract_facts(sentence)
    kinds = [f.kind for f in facts]
    numeric = sum(1 for k in kinds if k in NUMERIC)
    entities = len({f.norm for f in facts if f.kind in ENTITY})
    roles = sum(1 for k in kinds if k == "role")
    s = dict(
        text=sentence,
        kind=kind,
        numeric=numeric,
        entities=entities,
        roles=roles,
        attribution=bool(_ATTRIBUTION.search(sentence)),
        comparative=bool(_COMPARATIVE.search(sentence)),
        causal=bool(_CAUSAL.search(sentence)),
        quoted=bool(_QUOTED.search(sentence)),
        event=bool(_EVENT.search(sentence)),
        question=sentence.rstrip("”\"' ").endswith("?"),
        speculative=bool(_SPECULATIVE.search(_outside_quotes(sentence))),
        opinion=bool(_OPINION.search(sentence)),
        words=len(_WORD.findall(sentence)),
        differs=differs,
    )
    reasons = []
    if numeric:
        reasons.append("numbers or dates")
    if entities and (s["attribution"] or s["event"]):
        reasons.append("named source or actor")
    if s["attribution"]:
        reasons.append("attribution")
    if s["comparative"]:
        reasons.append("comparison")
    if s["causal"]:
        reasons.append("cause")
    if s["quoted"]:
        reasons.append("quotation")
    if differs:
        reasons.append("differs from the other version")
    return Signals(**s, reasons=tuple(reasons))


def _outside_quotes(sentence: str) -> str:
    """The sentence without its quoted passages: a quoted prediction is still a fact said."""
    return _QUOTED.sub(" ", sentence)


def rule_score(s: Signals) -> float:
    """Score one sentence's signals: about 0 for nothing checkable, 5 and up for a clear claim."""
    if s.kind in {"heading", "byline", "dateline"} or s.words < 5:
        return 0.0
    score = 0.0
    if s.numeric:
        score += 2.0 + 0.5 * min(s.numeric - 1, 2)
    score += 0.75 * min(s.entities, 3)
    score += 0.5 * min(s.roles, 2)
    if s.attribution:
        score += 1.5 if s.entities or s.roles else 0.5
    if s.event:
        score += 1.0
    if s.comparative:
        score += 0.5
    if s.causal:
        score += 0.5
    if s.quoted and s.attribution:
        score += 0.5
    if s.differs:
        score += 1.5
    if s.question:
        score -= 3.0
    if s.speculative:
        score -= 2.0
    if s.opinion:
        score -= 1.5
    if s.kind == "caption":
        score -= 1.0
    return max(score, 0.0)


Scorer = Callable[[Signals], float]
THRESHOLD = 2.5


@dataclass(frozen=True)
class Candidate:
    """A sentence worth checking: its index in the input, score and why."""

    index: int
    score: float
    reasons: tuple[str, ...]


def rank(
    sentences: Sequence[str],
    *,
    kinds: Sequence[str] | None = None,
    differs: Sequence[bool] | None = None,
    scorer: Scorer = rule_score,
    threshold: float = THRESHOLD,
) -> list[Candidate]:
    """Rank sentences by check-worthiness, best first; those under ``threshold`` are left out.

    ``kinds`` gives each sentence's block kind, ``differs`` whether the other version
    states a different fact there (both optional, same length as ``sentences``). Ties keep
    reading order. An empty input gives an empty list.
    """
    out = []
    for i, sentence in enumerate(sentences):
        s = signals(
            sentence,
            kind=kinds[i] if kinds else "paragraph",
            differs=bool(differs[i]) if differs else False,
        )
        score = scorer(s)
        if score >= threshold:
            out.append(Candidate(i, round(score, 2), s.reasons))
    return sorted(out, key=lambda c: (-c.score, c.index))


def differing(
    sentences: Sequence[str],
    other: Sequence[str],
    links: Sequence[tuple[Sequence[int], Sequence[int]]],
) -> list[bool]:
    """For each sentence, whether its aligned counterpart in ``other`` states different facts.

    ``links`` pairs indices of ``sentences`` with indices of ``other`` (as
    ``alignment.align`` gives them). Unlinked sentences count as not differing: a sentence
    in one version only is not, by that alone, a checkable fact.
    """
    out = [False] * len(sentences)
    for left, right in links:
        if not left or not right:
            continue
        a = " ".join(sentences[i] for i in left)
        b = " ".join(other[j] for j in right)
        if any(d.kind != "negation" for d in diff_facts(a, b)):
            for i in left:
                out[i] = True
    return out
