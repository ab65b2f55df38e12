"""What a web process loads once, before its first request, rather than during it.

Django imports the URLconf (and with it every view module, the text modules and their
libraries: spaCy, numpy, scikit-learn) on the first request a process serves, and the
text modules load their word lists, lemma tables and gazetteer on the first text they
read. Each gunicorn worker's first page took about 1.5 s, and its first few claim marks
100-300 ms more than the rest (measured with the test client, 2026-11-29); under load
those were the slowest answers. ``factcheck/wsgi.py`` calls ``warm_up`` as a worker loads
the app, before it accepts a connection.
"""

from __future__ import annotations

# Two sentences with a number, a sum, a date, a place, a name, a role and a negation:
# what marking a claim runs through the fact comparison.
LEFT = "The mayor of Leeds, Anna Price, said the council spent £4.2m on 12 March 2022."
RIGHT = "The council in York did not spend $3 million in 2021, its leader Tom Hale said."


def warm_up() -> None:
    from django.urls import get_resolver

    from articles.text import factdiff, lemmas

    get_resolver().url_patterns  # noqa: B018 -- imports the URLconf and every view module
    lemmas.lemmatize([LEFT, RIGHT])
    factdiff.diff_facts(LEFT, RIGHT)
    factdiff.word_diff(LEFT, RIGHT)
