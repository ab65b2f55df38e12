"""How the facts in one sentence changed in another version of it.

Rules, not a model: regexes for numbers, money, percentages, dates and
durations, capitalised runs for names, word lists for places, nationalities,
roles and negation. Countries and their names come from pycountry; what it
lacks (other names, nationality words, regions and cities, role words, the
words that steer name finding) is kept as data files in data/, loaded once.
Facts of one kind are paired between the two sentences by meaning, not by
order, and only pairs that differ are reported; pairs that cannot be compared
(a year against "two decades on") are not differences. A similarity score
cannot tell "same fact, reworded" from "fact changed"; comparing extracted
facts can.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pycountry


@dataclass(frozen=True)
class Fact:
    kind: str
    text: str
    norm: str
    start: int
    end: int


@dataclass(frozen=True)
class FactDiff:
    """One difference between the facts of two sentences.

    left/right are the facts' texts, None when the fact is on one side only.
    comparable is False when the two facts are of one kind but cannot be set
    against each other ("Two decades on" vs "2022", "2022" vs "14 February 2022"):
    such a pair is not a changed fact, and diff_facts leaves it out unless asked.
    """

    kind: str
    left: str | None
    right: str | None
    comparable: bool = True

    def describe(self) -> str:
        """Say the difference in plain words, e.g. "number: 2,000 vs 20,000"."""
        if not self.comparable:
            return f"not comparable: {self.left} vs {self.right}"
        if self.kind == "negation":
            return "negation added" if self.left is None else "negation removed"
        if self.left is None:
            return f"{self.kind} added: {self.right}"
        if self.right is None:
            return f"{self.kind} removed: {self.left}"
        return f"{self.kind}: {self.left} vs {self.right}"


# --- lexicons --------------------------------------------------------------


_UNITS = {
    "units": "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen",
    "tens": "twenty thirty forty fifty sixty seventy eighty ninety",
}
_SMALL = {w: i for i, w in enumerate(_UNITS["units"].split())}
_SMALL.update({w: 20 + 10 * i for i, w in enumerate(_UNITS["tens"].split())})
_SCALE_WORDS = {
    "hundred": 100,
    "thousand": 1000,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_SCALE_SUFFIXES = {
    "k": 1000,
    "m": 10**6,
    "mn": 10**6,
    "bn": 10**9,
    "b": 10**9,
    "tn": 10**12,
    "trn": 10**12,
}
_VAGUE = (
    "tens of thousands",
    "hundreds of thousands",
    "hundreds",
    "thousands",
    "millions",
    "billions",
    "dozens",
)

_CURRENCIES = {
    "us$": "USD", "u.s.$": "USD", "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "pence": "GBP 0.01", "p": "GBP 0.01",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "¥": "CNY", "cny": "CNY", "rmb": "CNY", "yuan": "CNY", "yen": "JPY", "jpy": "JPY",
    "hk$": "HKD", "a$": "AUD", "au$": "AUD", "c$": "CAD", "ca$": "CAD", "nz$": "NZD", "s$": "SGD",
    "₹": "INR", "rupees": "INR", "cents": "USD 0.01",
}  # fmt: skip

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

_TIME_UNITS = {
    "second": "second", "minute": "minute", "hour": "hour", "day": "day", "week": "week",
    "fortnight": "fortnight", "month": "month", "year": "year", "decade": "decade",
    "century": "century", "centuries": "century", "millennium": "millennium", "millennia": "millennium",
}  # fmt: skip

# Places and nationality words come from pycountry and the data files next to this
# module, keyed to one canonical place so that "Chinese firms", "firms in China" and
# "the PRC" agree. See data/*.tsv for what each file holds and why.
_DATA = Path(__file__).with_name("data")


def _data_rows(name: str) -> list[list[str]]:
    """Tab-separated rows of a data file, without comments and blank lines."""
    text = (_DATA / name).read_text(encoding="utf-8")
    return [
        line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]


def _place_key(text: str) -> str:
    """Lookup key for a place name: case, accents, full stops and apostrophes ignored."""
    return _name_norm(text).replace("'", "")


@dataclass(frozen=True)
class _Gazetteer:
    names: dict[str, str]  # lookup key -> canonical place
    capitals_only: frozenset[str]  # keys that are codes, places only in capitals ("US", not "us")
    alone_only: frozenset[str]  # keys that are places only when a run is just that name


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    """Country names (pycountry) and the data files, loaded once."""
    country_norm: dict[str, str] = {}
    names: dict[str, str] = {}
    capitals: set[str] = set()

    def add(name: str, place: str, *, code: bool = False) -> None:
        key = _place_key(name)
        if code and key in names:
            return  # a name already, not only a code
        names[key] = place
        # Codes and initialisms are places only in capitals: "US", not "us".
        if code or name.replace(".", "").isupper():
            capitals.add(key)
        else:
            capitals.discard(key)

    ambiguous = dict(_data_rows("place_ambiguous.txt"))
    for country in pycountry.countries:
        norm = _place_key(getattr(country, "common_name", None) or country.name)
        country_norm[country.alpha_2] = norm
        for attr in ("name", "official_name", "common_name"):
            if value := getattr(country, attr, None):
                add(value.removeprefix("the "), norm)
    for country in pycountry.countries:
        if ambiguous.get(country.alpha_3) != "never":
            add(country.alpha_3, country_norm[country.alpha_2], code=True)
    regions = {}
    for name, key in _data_rows("places.tsv"):
        regions[key] = key
        add(name, key)

    def resolve(target: str) -> str:
        return country_norm.get(target) or regions[target]

    for alias, target in _data_rows("place_aliases.tsv"):
        add(alias, resolve(target))
    for demonym, target in _data_rows("demonyms.tsv"):
        add(demonym, resolve(target))
    alone = frozenset(_place_key(w) for w, rule in ambiguous.items() if rule == "alone")
    return _Gazetteer(names, frozenset(capitals), alone)


def _place_of(text: str, *, alone: bool = True) -> str | None:
    """Canonical place a name or nationality word stands for ("U.S." -> "united states"); None if none."""
    gaz = _gazetteer()
    key = _place_key(text)
    place = gaz.names.get(key)
    if place is None and key.endswith("s") and not key.endswith(("ss", "ese")):
        place = gaz.names.get(key[:-1])  # "Americans", "Swedes"
        if place is not None and not _is_demonym_plural(key):
            place = None
    if place is None:
        return None
    if key in gaz.capitals_only and not text.replace(".", "").isupper():
        return None  # "Us" is a pronoun, "US" a country
    if key in gaz.alone_only and not alone:
        return None
    return place


@lru_cache(maxsize=1)
def _demonym_keys() -> frozenset[str]:
    return frozenset(_place_key(row[0]) for row in _data_rows("demonyms.tsv"))


def _is_demonym_plural(key: str) -> bool:
    return key[:-1] in _demonym_keys()


@dataclass(frozen=True)
class _Lexicon:
    """Word lists from data/roles.tsv and data/name_words.tsv (see their headers)."""

    roles: frozenset[str]
    role_synonyms: dict[str, str]
    role_re: re.Pattern[str]
    honorific: frozenset[str]
    connector: frozenset[str]
    breaker: frozenset[str]
    common: frozenset[str]
    organisation: frozenset[str]
    not_entity: frozenset[str]
    title_only_role: frozenset[str]


@lru_cache(maxsize=1)
def _lex() -> _Lexicon:
    """Load the word lists once."""
    roles, synonyms = set(), {}
    for row in _data_rows("roles.tsv"):
        roles.add(row[0])
        if len(row) > 1:
            synonyms[row[0]] = row[1]
    words: dict[str, set[str]] = {}
    for word, category in _data_rows("name_words.tsv"):
        words.setdefault(category, set()).add(word)
    role_re = re.compile(
        r"\b(?:" + "|".join(re.escape(r) for r in sorted(roles, key=len, reverse=True)) + r")\b",
        re.IGNORECASE,
    )
    return _Lexicon(
        roles=frozenset(roles),
        role_synonyms=synonyms,
        role_re=role_re,
        **{f: frozenset(words.get(f, ())) for f in _WORD_CATEGORIES},
    )


_WORD_CATEGORIES = (
    "honorific",
    "connector",
    "breaker",
    "common",
    "organisation",
    "not_entity",
    "title_only_role",
)

# --- patterns --------------------------------------------------------------

_NUMBER_WORD = "|".join(sorted([*_SMALL, *_SCALE_WORDS, "dozen"], key=len, reverse=True))
_WORDS_NUM = rf"(?:(?:a|an)\s+)?(?:{_NUMBER_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_NUMBER_WORD}))*"
_DIGITS = r"(?:\d{1,3}(?:,[ \u00a0]?\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion)\b|(?:k|m|mn|bn|tn|trn)\b|-(?:thousand|million|billion|trillion)\b)"
_DIGITS_SCALED = rf"(?<![\w.,\-]){_DIGITS}{_SCALE}?"
_ANY_NUM = rf"(?:{_DIGITS_SCALED}|\b{_WORDS_NUM}\b)"

_CUR_BEFORE = (
    r"(?:US\$|U\.S\.\$|HK\$|AU\$|A\$|CA\$|C\$|NZ\$|S\$|\$|£|€|¥|₹|\b(?:USD|GBP|EUR|CNY|RMB|JPY)\s?)"
)
_MONEY_BEFORE = re.compile(
    rf"(?P<cur>{_CUR_BEFORE})\s?(?P<num>(?:\d{{1,3}}(?:,[ \u00a0]?\d{{3}})+(?!\d)|\d+)(?:\.\d+)?)?"
    rf"(?P<scale>\s?(?:thousand|million|billion|trillion)\b|(?:k|m|mn|bn|tn|trn)\b)?"
)
_MONEY_AFTER = re.compile(
    rf"(?P<num>{_ANY_NUM})\s(?:(?:US|Hong Kong|Australian|Canadian)\s)?"
    r"(?P<cur>dollars|pounds|euros|yuan|yen|rupees|pence|cents)\b",
    re.IGNORECASE,
)
# "billion-dollar budgets": a scale without a figure, stated as an amount of money.
_MONEY_ADJECTIVE = re.compile(
    r"(?<![\w$£€¥.,-])(?P<a>(?:an?\s+)?)(?P<scale>hundred|thousand|million|billion|trillion)"
    r"[- ](?P<cur>dollar|pound|euro|yuan)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    rf"(?P<num>{_ANY_NUM})\s?(?P<unit>%|per\s?cent\b|percent\b|percentage points?\b)", re.IGNORECASE
)

_MONTH = "|".join(
    sorted(
        (m for m in _MONTHS if len(m) > 4 or m in ("may", "june", "july")), key=len, reverse=True
    )
)
_MONTH += "|" + "|".join(
    sorted(
        (rf"{m}\.?" for m in _MONTHS if len(m) <= 4 and m not in ("may", "june", "july")),
        key=len,
        reverse=True,
    )
)
_MONTH = f"(?:{_MONTH})"
_DAY_MONTH = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH})(?!\w)(?:,?\s+(?P<year>\d{{4}})\b)?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,\d)(?:,?\s+(?P<year>\d{{4}})\b)?",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<year>\d{{4}})\b", re.IGNORECASE)
# Month names alone, capitalised; "May" and "March" are too often other words.
_MONTH_ALONE = re.compile(
    r"\b(?:January|February|April|June|July|August|September|October|November|December)\b"
)
# "May" and "March" alone are months only after a word of time, not in "May I",
# "Theresa May" or "they march".
_MAY_ALONE = re.compile(
    r"\b(?:in|by|until|till|since|from|before|after|last|next|this|early|late|mid)[ -](May|March)\b"
)
_WEEKDAY = re.compile(rf"\b(?:{'|'.join(_WEEKDAYS)})s?\b")
_YEAR = re.compile(
    r"(?<![\w.,$£€¥\-])(?:1[5-9]\d\d|20\d\d)(?:s|’s|'s)?(?![\w%]|[.,]\d|\s?(?:%|per\s?cent))"
)
_TIME = re.compile(
    r"\b(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s?(?P<ampm>am|pm|a\.m\.|p\.m\.)", re.IGNORECASE
)

_UNIT = "|".join(
    sorted(
        [*_TIME_UNITS, *(u + "s" for u in _TIME_UNITS if not u.endswith("ies"))],
        key=len,
        reverse=True,
    )
)
_QUANTITY = rf"(?:{_DIGITS}|{_WORDS_NUM}|several|a\s+few|a\s+couple\s+of|few|many|an?)"
_DURATION = re.compile(
    rf"(?<![\w.,\-])(?P<num>{_QUANTITY})(?P<sep>[\s-]+)(?P<unit>{_UNIT})\b(?P<old>-old|\s+old\b)?"
    r"(?=(?P<after>\s+(?:ago|on|later|earlier|after|before|back|from now)\b)?)",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    rf"{_DIGITS_SCALED}(?![\w%])|(?<![\w.,\-])\d+(?:st|nd|rd|th)\b|\b(?:{'|'.join(_VAGUE)})\b|\b{_WORDS_NUM}\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not(?!\s+only\b)|never|none|nobody|nothing|nowhere|neither|nor|cannot|no(?!\s*\d))\b|n['’]t\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w(?:[\w&]|['’.\-](?=\w))*\.?")

# --- extraction ------------------------------------------------------------


def extract_facts(sentence: str) -> list[Fact]:
    """List the facts stated in a sentence, ordered by start offset, non-overlapping.

    Offsets are code points into sentence; sentence[f.start:f.end] == f.text.
    """
    return list(_extract(sentence))


@lru_cache(maxsize=4096)
def _extract(sentence: str) -> tuple[Fact, ...]:
    # Cached: a sentence is compared with several others, and Facts are frozen.
    facts: list[Fact] = []
    for finder in (_find_money, _find_percent, _find_dates, _find_durations, _find_numbers):
        for fact in finder(sentence):
            if fact.end > fact.start and not any(_overlaps(fact, other) for other in facts):
                facts.append(fact)
    facts += _find_entities(sentence, facts)
    facts += [f for f in _find_roles(sentence) if not any(_overlaps(f, other) for other in facts)]
    facts += [
        f for f in _find_negations(sentence) if not any(_overlaps(f, other) for other in facts)
    ]
    return tuple(sorted(facts, key=lambda f: f.start))


def _overlaps(a: Fact, b: Fact) -> bool:
    return a.start < b.end and b.start < a.end


def _fact(kind: str, sentence: str, start: int, end: int, norm: str) -> Fact:
    return Fact(kind, sentence[start:end], norm, start, end)


def _number_value(text: str) -> Decimal | None:
    """Numeric value of "12,000", "10, 000", "2.5bn", "ten thousand", "a dozen"; None if not a number."""
    text = text.strip().lower()
    match = re.fullmatch(rf"({_DIGITS})\s?-?(\w+)?", text)
    if match:
        try:
            value = Decimal(re.sub(r"[,\s\u00a0]", "", match.group(1)))
        except InvalidOperation:
            return None
        scale = match.group(2)
        if scale:
            factor = _SCALE_WORDS.get(scale) or _SCALE_SUFFIXES.get(scale)
            if factor is None:
                return None
            value *= factor
        return value
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", text):
        if word in ("a", "an"):
            current = 1
        elif word == "and":
            continue
        elif word in _SMALL:
            current += _SMALL[word]
            seen = True
        elif word == "dozen":
            current = (current or 1) * 12
            seen = True
        elif word == "hundred":
            current = (current or 1) * 100
            seen = True
        elif word in _SCALE_WORDS:
            total += (current or 1) * _SCALE_WORDS[word]
            current, seen = 0, True
        else:
            return None
    return Decimal(total + current) if seen else None


def _num_norm(text: str) -> str:
    lowered = " ".join(text.lower().split())
    if lowered in _VAGUE:
        return lowered
    value = _number_value(text)
    if value is None:
        return lowered
    return format(value.normalize(), "f")


def _find_money(sentence: str) -> list[Fact]:
    out = []
    for m in _MONEY_BEFORE.finditer(sentence):
        if not (m.group("num") or m.group("scale")):
            continue
        cur = _CURRENCIES.get(m.group("cur").strip().lower(), m.group("cur").strip().upper())
        amount = _num_norm((m.group("num") or "1") + (m.group("scale") or ""))
        if not m.group("num"):
            amount = "? x " + amount  # "US$ billion": the scale without a figure
        out.append(_fact("money", sentence, m.start(), m.end(), f"{cur} {amount}"))
    for m in _MONEY_ADJECTIVE.finditer(sentence):
        cur = _CURRENCIES[m.group("cur").lower()]
        scale = _SCALE_WORDS[m.group("scale").lower()]
        amount = str(scale) if m.group("a") else f"? x {scale}"
        out.append(_fact("money", sentence, m.start(), m.end(), f"{cur} {amount}"))
    for m in _MONEY_AFTER.finditer(sentence):
        cur = _CURRENCIES.get(m.group("cur").lower(), m.group("cur").upper())
        out.append(
            _fact("money", sentence, m.start(), m.end(), f"{cur} {_num_norm(m.group('num'))}")
        )
    return out


def _find_percent(sentence: str) -> list[Fact]:
    out = []
    for m in _PERCENT.finditer(sentence):
        unit = "pp" if m.group("unit").lower().startswith("percentage") else "%"
        out.append(
            _fact("percent", sentence, m.start(), m.end(), f"{_num_norm(m.group('num'))}{unit}")
        )
    return out


def _find_dates(sentence: str) -> list[Fact]:
    out = []
    for pattern in (_DAY_MONTH, _MONTH_DAY, _MONTH_YEAR):
        for m in pattern.finditer(sentence):
            month = _MONTHS[m.group("month").lower().rstrip(".")]
            day = int(m.groupdict().get("day") or 0)
            if day > 31 or (
                pattern is not _MONTH_YEAR
                and m.group("month").lower().rstrip(".") == "may"
                and day == 0
            ):
                continue
            if m.group("month")[0].islower() and m.group("month").lower() in (
                "may",
                "mar",
                "march",
                "jan",
                "dec",
            ):
                continue  # "may 3" is a verb, not a month
            year = m.group("year") or "?"
            norm = f"{year}-{month:02d}" + (f"-{day:02d}" if day else "")
            out.append(_fact("date", sentence, m.start(), m.end(), norm))
    for m in _TIME.finditer(sentence):
        hour = int(m.group("h")) % 12 + (12 if m.group("ampm").lower().startswith("p") else 0)
        out.append(
            _fact("date", sentence, m.start(), m.end(), f"{hour:02d}:{m.group('m') or '00'}")
        )
    for pattern in (_MONTH_ALONE, _WEEKDAY):
        for m in pattern.finditer(sentence):
            out.append(_fact("date", sentence, m.start(), m.end(), m.group().lower().rstrip("s")))
    for m in _MAY_ALONE.finditer(sentence):
        out.append(_fact("date", sentence, m.start(1), m.end(1), m.group(1).lower()))
    for m in _YEAR.finditer(sentence):
        out.append(_fact("date", sentence, m.start(), m.end(), re.sub(r"['’]", "", m.group())))
    # "Two years on", "a decade ago": a point in time, told by distance from now.
    for m in _DURATION.finditer(sentence):
        if m.group("after") and not m.group("old"):
            unit = _TIME_UNITS[
                m.group("unit").lower().rstrip("s")
                if m.group("unit").lower() not in _TIME_UNITS
                else m.group("unit").lower()
            ]
            norm = f"{_quantity_norm(m.group('num'))} {unit} {m.group('after').strip().lower()}"
            out.append(_fact("date", sentence, m.start(), m.end(), norm))
    return _longest_first(out)


def _quantity_norm(text: str) -> str:
    lowered = " ".join(text.lower().split())
    if lowered in ("a", "an"):
        return "1"
    if lowered in ("several", "a few", "few", "a couple of", "many"):
        return lowered
    return _num_norm(text)


_YEARS_IN = {"decade": 10, "century": 100, "millennium": 1000}


def _unit_norm(unit: str) -> str:
    unit = unit.lower()
    return _TIME_UNITS.get(unit) or _TIME_UNITS.get(unit[:-1], unit)


def _find_durations(sentence: str) -> list[Fact]:
    out = []
    for m in _DURATION.finditer(sentence):
        unit = _unit_norm(m.group("unit"))
        number = " ".join(m.group("num").lower().split())
        if number in ("a", "an") and unit not in ("decade", "century", "fortnight", "millennium"):
            continue  # "a year" is mostly "per year"; "a second" is mostly an ordinal
        if number == "many" and not m.group("unit").lower().endswith("s"):
            continue
        quantity = _quantity_norm(m.group("num"))
        if unit in _YEARS_IN and quantity.replace(".", "", 1).isdigit():
            # "a century" is "100 years", "two decades" "20 years".
            quantity, unit = _num_norm(str(Decimal(quantity) * _YEARS_IN[unit])), "year"
        norm = f"{quantity} {unit}" + (" old" if m.group("old") else "")
        out.append(_fact("duration", sentence, m.start(), m.end(), norm))
    return out


def _find_numbers(sentence: str) -> list[Fact]:
    out = []
    for m in _NUMBER.finditer(sentence):
        text = m.group().lower()
        if (
            text in ("one", "a", "an")
            or re.fullmatch(r"an?\s+\w+", text)
            and text.split()[-1] in _SMALL
        ):
            continue  # "one of the", "a two": not a stated figure
        if _is_list_marker(sentence, m.start(), m.end()):
            continue
        ordinal = re.fullmatch(r"(\d+)(st|nd|rd|th)", text)
        norm = f"#{int(ordinal.group(1))}" if ordinal else _num_norm(m.group())
        if text in _SCALE_WORDS:
            norm = f"? x {norm}"  # "billion-parameter": a scale, not a stated figure
        out.append(_fact("number", sentence, m.start(), m.end(), norm))
    return out


_LIST_MARKER_BEFORE = re.compile(r"[ \t]*[(\[]?")
_LIST_MARKER_AFTER = re.compile(r"(?:[.)\]:]|\s*[-–—])(?:\s|$)|\s*$")


def _is_list_marker(sentence: str, start: int, end: int) -> bool:
    """Whether digits at start..end number a list item or heading ("1. Hardware", "2)"), or stand alone."""
    if not sentence[start:end].isdigit():
        return False
    if not _LIST_MARKER_BEFORE.fullmatch(sentence, sentence.rfind("\n", 0, start) + 1, start):
        return False
    return bool(_LIST_MARKER_AFTER.match(sentence, end))


def _longest_first(facts: list[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: (-(f.end - f.start), f.start))


def _find_negations(sentence: str) -> list[Fact]:
    return [
        _fact("negation", sentence, m.start(), m.end(), "not") for m in _NEGATION.finditer(sentence)
    ]


def _role_norm(text: str) -> str:
    words = " ".join(text.lower().replace("’", "'").split())
    return _lex().role_synonyms.get(words, words)


def _find_roles(sentence: str) -> list[Fact]:
    out = []
    for m in _lex().role_re.finditer(sentence):
        text = m.group()
        # Plural groups ("experts say") are not a person's title; capitalised
        # ones are handled with names.
        if text != text.lower() and text.upper() != text or text.lower() in _lex().title_only_role:
            continue
        after = sentence[m.end() : m.end() + 1]
        if after.isalnum() or after == "-":
            continue
        out.append(_fact("role", sentence, m.start(), m.end(), _role_norm(text)))
    return out


# --- names -----------------------------------------------------------------


@dataclass
class _Token:
    start: int
    end: int
    text: str
    possessive: bool
    initial: bool


def _tokens(sentence: str, taken: list[Fact]) -> list[_Token | None]:
    """Word tokens with possessives and sentence-final dots stripped; None where a run must break."""
    out: list[_Token | None] = []
    last_end = 0
    for m in _TOKEN.finditer(sentence):
        start, end, text = m.start(), m.end(), m.group()
        if text.endswith(".") and not (
            "." in text[:-1] or text[:-1].lower() in _lex().honorific or len(text) == 2
        ):
            text, end = text[:-1], end - 1
        possessive = False
        if re.search(r"['’]s$", text):
            text, end, possessive = text[:-2], end - 2, True
        elif re.search(r"s['’]$", text):
            text, end, possessive = text[:-1], end - 1, True
        # "DeepSeek-related", "China-based": keep the name part only.
        lower_tail = re.search(r"-[a-z][\w-]*$", text)
        if lower_tail and text[0].isupper():
            cut = text.index("-")
            end -= len(text) - cut
            text = text[:cut]
        gap = sentence[last_end:start]
        if out and (gap.strip() or "\n" in gap):
            out.append(None)
        last_end = end
        if any(start < f.end and f.start < end for f in taken):
            out.append(None)
            continue
        out.append(
            _Token(start, end, text, possessive or bool(lower_tail), _is_initial(sentence, start))
        )
    return out


_LIST_ITEM_START = re.compile(r"[ \t]*[(\[]?\d{1,3}(?:[.)\]:]|\s*[-–—])[ \t]*")


def _is_initial(sentence: str, start: int) -> bool:
    """Whether a word at start begins a sentence, a clause after a colon, or a quotation."""
    if _LIST_ITEM_START.fullmatch(sentence, sentence.rfind("\n", 0, start) + 1, start):
        return True  # "2) Open-Source Advantage": the word after a list marker
    k = start - 1
    # Quotes, dashes, bullets and emoji before a word do not make it mid-sentence.
    while k >= 0 and not sentence[k].isalnum() and sentence[k] not in ".!?:;\n,":
        k -= 1
    return k < 0 or sentence[k] in ".!?:;\n"


def _capitalised(text: str) -> bool:
    if not text or text.lower() in _lex().connector:
        return False
    if text[0].isupper():
        return True
    # "eBay", "36Kr"; but not "made-in-China"
    return text[0].isalnum() and "-" not in text and any(ch.isupper() for ch in text[1:])


def _is_heading(sentence: str, tokens: list[_Token | None]) -> bool:
    """Whether the text is a title-case heading or byline, where capitals say nothing."""
    if sentence.rstrip().endswith((".", "!", "?", '"', "”", "’")):
        return False
    words = [t for t in tokens if t is not None and t.text[0].isalpha()]
    if len(words) > 16:
        return False  # headings are short
    words = [t for t in words if t.text.lower() not in _lex().connector | _lex().breaker]
    caps = sum(1 for t in words if _capitalised(t.text))
    return len(words) >= 2 and caps >= 0.7 * len(words)


def _runs(tokens: list[_Token | None]) -> list[list[_Token]]:
    runs, run = [], []
    pending: list[_Token] = []  # connectors waiting for a capitalised word
    for tok in [*tokens, None]:
        if tok is not None and tok.text.lower() in _lex().breaker:
            tok = None  # "Getty Images A Chinese woman": an article never sits inside a name
        if tok is not None and _capitalised(tok.text):
            run += pending
            pending = []
            run.append(tok)
            if tok.possessive:
                runs.append(run)
                run = []
            continue
        joins = (
            tok is not None
            and run
            and (
                tok.text.lower() in _lex().connector
                or (
                    tok.text.lower() == "the"
                    and pending
                    and pending[-1].text.lower() in ("of", "for")
                )
                or (
                    tok.text.lower() in ("and", "&")
                    and any(t.text.lower() in _lex().organisation for t in run)
                )
            )
        )
        if joins and len(pending) < 2:
            pending.append(tok)
            continue
        if run:
            runs.append(run)
        run, pending = [], []
    return runs


def _name_norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().replace(".", "").replace("’", "'").split())


def _find_entities(sentence: str, taken: list[Fact]) -> list[Fact]:
    tokens = _tokens(sentence, taken)
    # Headings are found line by line: a sentence may carry the heading above it.
    headings = []
    for line in re.finditer(r"[^\n]+", sentence):
        inside = [t for t in tokens if t is not None and line.start() <= t.start < line.end()]
        if _is_heading(line.group(), inside):
            headings.append((line.start(), line.end()))
    out: list[Fact] = []
    for run in _runs(tokens):
        heading = any(start <= run[0].start < end for start, end in headings)
        out += _classify_run(sentence, run, heading)
    return out


def _places_inside(sentence: str, run: list[_Token]) -> list[Fact]:
    """Places named anywhere in a run of capitalised words ("Beat US Curbs" in a heading)."""
    out, i = [], 0
    while i < len(run):
        for size in (3, 2, 1):
            part = run[i : i + size]
            place = len(part) == size and _place_of(
                " ".join(t.text for t in part), alone=size == len(run)
            )
            if place:
                out.append(_fact("place", sentence, part[0].start, part[-1].end, place))
                i += size
                break
        else:
            i += 1
    return out


def _classify_run(sentence: str, run: list[_Token], heading: bool) -> list[Fact]:
    first = run[0].text.lower()
    common_start = first in _lex().common or re.search(r"(ing|ed|ly)$", first)
    if run[0].initial and common_start and _place_of(run[0].text) is None:
        run = run[1:]
    while run and run[-1].text.lower() in _lex().connector | {"the", "and", "&"}:
        run = run[:-1]
    if not run:
        return []
    out: list[Fact] = []
    person = False
    while run:
        words = [t.text.lower() for t in run]
        head = words[0].rstrip(".")
        if head in _lex().honorific:
            run, person = run[1:], True
            continue
        role_len = _leading_role(words)
        if role_len and (len(run) > role_len or not heading):
            role_text = sentence[run[0].start : run[role_len - 1].end]
            out.append(
                _fact("role", sentence, run[0].start, run[role_len - 1].end, _role_norm(role_text))
            )
            run, person = run[role_len:], True
            continue
        whole = " ".join(t.text for t in run)
        place = _place_of(whole)
        if place is None and re.search(r"\bthe\s+$", sentence[: run[0].start], re.IGNORECASE):
            place = _place_of("the " + whole)  # "the States"
        if place is not None:
            out.append(_fact("place", sentence, run[0].start, run[-1].end, place))
            return out
        if any(w in _lex().organisation for w in words) and not person:
            if not heading:
                out.append(_entity("organisation", sentence, run))
            return out
        lead = _leading_place(run)
        if lead:
            place = _place_of(" ".join(t.text for t in run[:lead]), alone=False)
            out.append(_fact("place", sentence, run[0].start, run[lead - 1].end, place))
            run = run[lead:]
            continue
        break
    while run and run[0].text.lower().rstrip(".") in _lex().not_entity:
        run = run[1:]
    while run and run[-1].text.lower().rstrip(".") in _lex().not_entity | _lex().connector:
        run = run[:-1]
    if heading:
        return out + _places_inside(sentence, run)
    if not run:
        return out
    if len(run) == 1 and run[0].initial and not person:
        tok = run[0]
        inner = any(ch.isupper() or ch.isdigit() for ch in tok.text[1:])
        if not (inner or tok.possessive):
            return out  # a sentence-initial word alone is more often a common word than a name
    if len(run) == 1 and run[0].text.lower() in _lex().common and not person:
        return out
    acronym = all(
        t.text.replace(".", "").isalpha() and t.text.isupper() and len(t.text) > 1 for t in run
    )
    kind = "organisation" if acronym and not person else "name"
    out.append(_entity(kind, sentence, run))
    return out


def _entity(kind: str, sentence: str, run: list[_Token]) -> Fact:
    start, end = run[0].start, run[-1].end
    return _fact(kind, sentence, start, end, _name_norm(" ".join(t.text for t in run)))


def _leading_role(words: list[str]) -> int:
    for size in (3, 2, 1):
        if len(words) >= size and " ".join(words[:size]) in _lex().roles:
            return size
    return 0


def _leading_place(run: list[_Token]) -> int:
    for size in (3, 2, 1):
        if len(run) > size and _place_of(" ".join(t.text for t in run[:size]), alone=False):
            return size
    return 0


# --- comparison ------------------------------------------------------------

_NUMERIC_KINDS = {"number", "money", "percent", "date", "duration"}


def material(kind: str, left: str | None, right: str | None) -> bool:
    """Whether a difference changes what the versions claim, not only what they mention.

    A value stated differently on both sides, a figure or date only one side gives, or a
    negation: these make two versions state different facts. A name, place or role that
    only one side mentions is context (a retelling names other people), shown but not
    held against the claim.
    """
    if kind == "negation":
        return True
    if left is not None and right is not None:
        return True
    return kind in _NUMERIC_KINDS


def diff_facts(left: str, right: str, *, incomparable: bool = False) -> list[FactDiff]:
    """List the facts that differ between two versions of a sentence, in left order then right order.

    Facts of one kind are paired by meaning, not by order: equal values first
    (however written: "10, 000" = "10k", "US" = "the United States" = "American"),
    then the closest remaining ones (figures by value, names by spelling, dates on
    the parts both state); a fact left without a counterpart is reported as
    removed or added. Pairs that cannot be compared (a year against "two decades
    on", a year against a full date in that year) are not differences: they are
    returned, with comparable=False, only when incomparable is true. Returns []
    when both sentences state the same facts, however worded.
    """
    left_facts, right_facts = extract_facts(left), extract_facts(right)
    diffs = _vague_amounts(left_facts, right_facts)
    groups = ("number", "money", "percent", "date", "duration", "entity", "place", "role")
    for group in groups:
        lf = [f for f in left_facts if _group(f.kind) == group]
        rf = [f for f in right_facts if _group(f.kind) == group]
        diffs += _diff_group(group, lf, rf, left, right)
    neg_left = sum(1 for f in left_facts if f.kind == "negation")
    neg_right = [f for f in right_facts if f.kind == "negation"]
    if len(neg_right) > neg_left:
        diffs.append(FactDiff("negation", None, neg_right[neg_left].text))
    elif len(neg_right) < neg_left:
        diffs.append(
            FactDiff("negation", [f for f in left_facts if f.kind == "negation"][-1].text, None)
        )
    return [d for d in diffs if d.comparable or incomparable]


def _vague_amounts(left_facts: list[Fact], right_facts: list[Fact]) -> list[FactDiff]:
    """Pair "US$ billion" with "billions" on the other side: one vague amount, not comparable.

    Both facts are taken out of left_facts and right_facts.
    """
    diffs = []
    for money_side, other_side, money_left in (
        (left_facts, right_facts, True),
        (right_facts, left_facts, False),
    ):
        for money in [f for f in money_side if f.kind == "money" and "?" in f.norm]:
            scale = money.norm.rsplit(" ", 1)[-1]
            match = next(
                (
                    f
                    for f in other_side
                    if f.kind == "number" and _vague(f) and _scale_of(f) == scale
                ),
                None,
            )
            if match is not None:
                money_side.remove(money)
                other_side.remove(match)
                pair = (money.text, match.text) if money_left else (match.text, money.text)
                diffs.append(FactDiff("money", *pair, comparable=False))
    return diffs


def _scale_of(fact: Fact) -> str | None:
    """Value of the scale word in a vague number ("billions" -> "1000000000"); None if none."""
    for word, value in _SCALE_WORDS.items():
        if word in fact.text.lower():
            return str(value)
    return None


def _group(kind: str) -> str:
    return "entity" if kind in ("name", "organisation") else kind


_Pair = tuple["Fact | None", "Fact | None", bool]


def _diff_group(
    group: str, lf: list[Fact], rf: list[Fact], left: str, right: str
) -> list[FactDiff]:
    lf, rf = _drop_shared(lf, rf, group)
    if group not in _NUMERIC_KINDS:
        # A fact stated in words the other sentence also contains was only parsed differently.
        lf = [f for f in lf if not _mentions(right, f)]
        rf = [f for f in rf if not _mentions(left, f)]
    if group == "place":
        # "US" here, "the United States" inside a heading or a longer name there.
        lf = [f for f in lf if f.norm not in _places_mentioned(right)]
        rf = [f for f in rf if f.norm not in _places_mentioned(left)]
    if group == "place":
        # "Washington" (its government) against "the US": the same actor.
        lf, rf = _drop_metonyms(lf, rf)
    pairs = _pair_figures(lf, rf) if group in _NUMERIC_KINDS else _pair_names(lf, rf)
    pairs.sort(key=lambda p: (p[0].start if p[0] else 10**9, p[1].start if p[1] else 10**9))
    return [
        FactDiff((a or b).kind, a.text if a else None, b.text if b else None, comparable)
        for a, b, comparable in pairs
        if not (a and b and _folded(a.text) == _folded(b.text))
    ]


@lru_cache(maxsize=1)
def _capitals() -> dict[str, str]:
    return dict(_data_rows("capitals.tsv"))


def _drop_metonyms(lf: list[Fact], rf: list[Fact]) -> tuple[list[Fact], list[Fact]]:
    """Drop a capital on one side whose country the other side names, and that country."""
    capitals = _capitals()
    l_norms, r_norms = {f.norm for f in lf}, {f.norm for f in rf}
    l_caps = {n for n in l_norms if capitals.get(n) in r_norms}
    r_caps = {n for n in r_norms if capitals.get(n) in l_norms}
    l_drop = l_caps | {capitals[n] for n in r_caps}
    r_drop = r_caps | {capitals[n] for n in l_caps}
    return [f for f in lf if f.norm not in l_drop], [f for f in rf if f.norm not in r_drop]


def _is_nationality(fact: Fact) -> bool:
    return fact.kind == "place" and _place_key(fact.text) in _demonym_keys()


def _pair_names(lf: list[Fact], rf: list[Fact]) -> list[_Pair]:
    """Pair names by spelling: the most alike first; a lone pair even if unalike."""
    scored = sorted(
        (
            (difflib.SequenceMatcher(None, a.norm, b.norm).ratio(), i, j)
            for i, a in enumerate(lf)
            for j, b in enumerate(rf)
        ),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    pairs: list[_Pair] = []
    used_l, used_r = set(), set()
    for score, i, j in scored:
        if i in used_l or j in used_r:
            continue
        if score >= 0.5 or (len(lf) == 1 and len(rf) == 1):
            pairs.append((lf[i], rf[j], True))
            used_l.add(i)
            used_r.add(j)
    # "Taiwanese firms" against "Chinese companies": one nationality changed for another.
    l_nat = [i for i, f in enumerate(lf) if i not in used_l and _is_nationality(f)]
    r_nat = [j for j, f in enumerate(rf) if j not in used_r and _is_nationality(f)]
    for i, j in zip(l_nat, r_nat, strict=False):
        pairs.append((lf[i], rf[j], True))
        used_l.add(i)
        used_r.add(j)
    pairs += [(f, None, True) for i, f in enumerate(lf) if i not in used_l]
    pairs += [(None, f, True) for j, f in enumerate(rf) if j not in used_r]
    return pairs


def _pair_figures(lf: list[Fact], rf: list[Fact]) -> list[_Pair]:
    """Pair figures and dates by meaning: those that agree, then the closest, then the rest.

    A pair that agrees on all it can compare ("2022" and "14 February 2022") or
    cannot be compared at all ("2022" and "Two decades on") is not comparable.
    Facts left over once one side runs out are added or removed.
    """
    scored = []
    for i, a in enumerate(lf):
        for j, b in enumerate(rf):
            relation = _relation(a, b)
            if relation is not None:
                agrees, closeness = relation
                scored.append((agrees, closeness, i, j))
    scored.sort(key=lambda x: (not x[0], -x[1], x[2], x[3]))
    pairs: list[_Pair] = []
    used_l, used_r = set(), set()
    for agrees, _closeness, i, j in scored:
        if i not in used_l and j not in used_r:
            pairs.append((lf[i], rf[j], not agrees))
            used_l.add(i)
            used_r.add(j)
    rest_l = [f for i, f in enumerate(lf) if i not in used_l]
    rest_r = [f for j, f in enumerate(rf) if j not in used_r]
    pairs += [(a, b, False) for a, b in zip(rest_l, rest_r, strict=False)]
    pairs += [(f, None, True) for f in rest_l[len(rest_r) :]]
    pairs += [(None, f, True) for f in rest_r[len(rest_l) :]]
    return pairs


def _relation(a: Fact, b: Fact) -> tuple[bool, float] | None:
    """How two unequal facts of one kind compare: (agrees, closeness 0-1), None if they cannot.

    agrees is True when every part both state is the same and only the detail
    differs ("2022" vs "14 February 2022", "February" vs "14 February").
    """
    if a.kind != b.kind:
        return None
    if a.kind == "date":
        return _date_relation(_date_parts(a.norm), _date_parts(b.norm))
    va, vb = _figure(a), _figure(b)
    if va is None or vb is None:
        # A vague or figure-less amount ("thousands", "US$ billion") against a figure,
        # or two vague ones: only unlike words are a change.
        if va is None and vb is None and _vague(a) and _vague(b):
            return False, 0.5
        return None
    (unit_a, value_a), (unit_b, value_b) = va, vb
    closeness = _closeness(value_a, value_b)
    return False, closeness if unit_a == unit_b else closeness / 10


def _closeness(x: Decimal, y: Decimal) -> float:
    if x == y:
        return 1.0
    if x <= 0 or y <= 0:
        return 0.0
    return float(min(x, y) / max(x, y))


_DAYS = {
    "second": Decimal(1) / 86400, "minute": Decimal(1) / 1440, "hour": Decimal(1) / 24,
    "day": Decimal(1), "week": Decimal(7), "fortnight": Decimal(14), "month": Decimal(30),
    "year": Decimal(365), "decade": Decimal(3650), "century": Decimal(36500),
    "millennium": Decimal(365000),
}  # fmt: skip


def _figure(fact: Fact) -> tuple[str, Decimal] | None:
    """(unit, value) of a number, amount, percentage or duration; None if vague or figure-less."""
    norm = fact.norm
    if "?" in norm:
        return None
    try:
        if fact.kind == "number":
            if norm.startswith("#"):
                return "ordinal", Decimal(norm[1:])
            return "", Decimal(norm)
        if fact.kind == "percent":
            unit = "pp" if norm.endswith("pp") else "%"
            return unit, Decimal(norm.removesuffix("pp").removesuffix("%"))
        if fact.kind == "money":
            currency, _, amount = norm.rpartition(" ")
            return currency, Decimal(amount)
        if fact.kind == "duration":
            words = norm.split()
            return " ".join(words[2:]), Decimal(words[0]) * _DAYS[words[1]]
    except (InvalidOperation, KeyError, IndexError):
        return None
    return None


def _vague(fact: Fact) -> bool:
    """Whether an amount is stated in words alone: "thousands", "several years", "US$ billion"."""
    return _figure(fact) is None


_WEEKDAY_NUMBERS = {day.lower(): n for n, day in enumerate(_WEEKDAYS)}
_RELATIVE_DATE = re.compile(r"\S+ \w+ (?:ago|on|later|earlier|after|before|back|from now)")


def _date_parts(norm: str) -> dict[str, object]:
    """The parts a date fact states: year, decade, month, day, weekday, time, or relative."""
    if _RELATIVE_DATE.fullmatch(norm):
        return {"relative": norm}
    if m := re.fullmatch(r"(\d{4}|\?)-(\d\d)(?:-(\d\d))?", norm):
        parts: dict[str, object] = {"month": int(m.group(2))}
        if m.group(1) != "?":
            parts |= {"year": int(m.group(1)), "decade": int(m.group(1)) // 10}
        if m.group(3):
            parts["day"] = int(m.group(3))
        return parts
    if m := re.fullmatch(r"(\d{4})", norm):
        return {"year": int(norm), "decade": int(norm) // 10}
    if m := re.fullmatch(r"(\d{3})0s", norm):
        return {"decade": int(m.group(1))}
    if re.fullmatch(r"\d\d:\d\d", norm):
        return {"time": norm}
    if norm in _MONTHS:
        return {"month": _MONTHS[norm]}
    if norm in _WEEKDAY_NUMBERS:
        return {"weekday": _WEEKDAY_NUMBERS[norm]}
    return {"other": norm}


def _date_relation(a: dict[str, object], b: dict[str, object]) -> tuple[bool, float] | None:
    if "relative" in a or "relative" in b:
        if "relative" in a and "relative" in b:
            ratio = difflib.SequenceMatcher(None, str(a["relative"]), str(b["relative"])).ratio()
            return False, ratio
        return None  # "Two decades on" is not a point on the calendar
    shared = [k for k in a if k in b]
    if not shared:
        return None  # "2022" vs "20 January": different granularity
    same = sum(1 for k in shared if a[k] == b[k])
    if same == len(shared):
        return True, float(len(shared))
    return False, same / len(shared)


@lru_cache(maxsize=4096)
def _places_mentioned(sentence: str) -> frozenset[str]:
    """Canonical places named anywhere in a sentence, in runs of up to three words."""
    words = [re.sub(r"['’]s?$", "", m.group()) for m in _TOKEN.finditer(sentence)]
    found = set()
    for i in range(len(words)):
        for size in (1, 2, 3):
            place = _place_of(" ".join(words[i : i + size]))
            if place is not None:
                found.add(place)
    return frozenset(found)


def _folded(text: str) -> str:
    """Text with case, accents, quote marks and a possessive 's ignored: "China’s" = "china's"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['’‘ʼ`´]", "'", " ".join(text.casefold().split()))
    return re.sub(r"'s?$", "", text)


def _drop_shared(lf: list[Fact], rf: list[Fact], group: str) -> tuple[list[Fact], list[Fact]]:
    """Remove facts both sides state (same norm, or for names one name inside the other)."""
    right_counts = Counter(f.norm for f in rf)
    keep_left = []
    for f in lf:
        if right_counts[f.norm] > 0:
            right_counts[f.norm] -= 1
        else:
            keep_left.append(f)
    left_counts = Counter(f.norm for f in lf)
    keep_right = []
    for f in rf:
        if left_counts[f.norm] > 0:
            left_counts[f.norm] -= 1
        else:
            keep_right.append(f)
    if group == "entity":
        keep_left, keep_right = _drop_partial_names(keep_left, keep_right, lf, rf)
    return keep_left, keep_right


def _drop_partial_names(keep_left, keep_right, all_left, all_right):
    def inside(a: Fact, others: list[Fact]) -> bool:
        words = set(a.norm.split())
        return any(words <= set(b.norm.split()) or set(b.norm.split()) <= words for b in others)

    return (
        [f for f in keep_left if not inside(f, all_right)],
        [f for f in keep_right if not inside(f, all_left)],
    )


def _mentions(sentence: str, fact: Fact) -> bool:
    """Whether sentence contains the fact's words, ignoring case, accents and punctuation."""
    words = _plain_words(fact.text)
    if not words:
        return False
    return f" {words} " in f" {_plain_words(sentence)} "


def _plain_words(text: str) -> str:
    text = re.sub(r"['’]s\b", "", _name_norm(text))
    return " ".join(re.findall(r"\w+", text))


# --- word diff -------------------------------------------------------------

_WORD_SPLIT = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(left: str, right: str) -> list[tuple[str, str]]:
    """Diff two strings word by word into ("equal"|"delete"|"insert", text) ops.

    Joining the equal and delete texts gives left; joining equal and insert gives right.
    """
    a, b = _WORD_SPLIT.findall(left), _WORD_SPLIT.findall(right)
    ops: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            ops.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            ops.append(("insert", "".join(b[j1:j2])))
    return _merge_ops(_absorb_spaces(ops))


def _absorb_spaces(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fold whitespace-only equal runs between changes into the changes, so edits read as phrases."""
    out: list[tuple[str, str]] = []
    for k, (tag, text) in enumerate(ops):
        between = 0 < k < len(ops) - 1 and ops[k - 1][0] != "equal" and ops[k + 1][0] != "equal"
        if tag == "equal" and between and not text.strip():
            out += [("delete", text), ("insert", text)]
        else:
            out.append((tag, text))
    return out


def _merge_ops(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join neighbouring ops of one kind; deletes come before inserts within a change."""
    merged: list[tuple[str, str]] = []
    k = 0
    while k < len(ops):
        if ops[k][0] == "equal":
            text = ops[k][1]
            while k + 1 < len(ops) and ops[k + 1][0] == "equal":
                k += 1
                text += ops[k][1]
            if text:
                merged.append(("equal", text))
            k += 1
            continue
        deleted, inserted = "", ""
        while k < len(ops) and ops[k][0] != "equal":
            if ops[k][0] == "delete":
                deleted += ops[k][1]
            else:
                inserted += ops[k][1]
            k += 1
        if deleted:
            merged.append(("delete", deleted))
        if inserted:
            merged.append(("insert", inserted))
    return merged
