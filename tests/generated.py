"""Long texts the tests write themselves: ordinary news sentences, varied by a seed."""

import random

SUBJECTS = [
    "The council",
    "Mr. Allen",
    "The harbour board",
    "Ms. Okafor",
    "The ministry",
    "Residents",
    "The company",
    "Engineers",
    "The mayor",
    "Local traders",
]
VERBS = [
    "approved",
    "rejected",
    "delayed",
    "questioned",
    "funded",
    "reviewed",
    "announced",
    "criticised",
    "extended",
    "postponed",
]
OBJECTS = [
    "the sea wall",
    "a new ferry route",
    "the school budget",
    "the bridge repairs",
    "a housing plan",
    "the port expansion",
    "the water tariff",
    "a cycling lane",
    "the market hall",
    "the flood defences",
]
WHEN = [
    "on Monday",
    "on Tuesday",
    "last week",
    "in March",
    "after a long debate",
    "before the election",
    "in 2019",
    "this spring",
    "at a public meeting",
    "in private",
]


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(WHEN)}, "
        f"at a cost of £{rng.randint(2, 900)},{rng.randint(100, 999)} for "
        f"{rng.randint(2, 40):,} {rng.choice(['months', 'homes', 'jobs', 'families'])}."
    )


def long_text(sentences: int, seed: int = 0, per_paragraph: int = 5) -> str:
    """About 20 words a sentence, in paragraphs of ``per_paragraph`` sentences."""
    rng = random.Random(seed)
    paragraphs = []
    for start in range(0, sentences, per_paragraph):
        count = min(per_paragraph, sentences - start)
        paragraphs.append(" ".join(sentence(rng) for _ in range(count)))
    return "\n\n".join(paragraphs) + "\n"
