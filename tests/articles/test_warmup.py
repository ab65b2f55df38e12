"""A web process loads its views and the text modules' tables before its first request."""

import importlib

from articles import warmup
from articles.text import factdiff, lemmas

# The tables marking a claim reads on its first text (each loaded once per process).
TABLES = [lemmas._nlp, lemmas._lemma_table, factdiff._gazetteer, factdiff._lex]


def test_warm_up_loads_the_tables_a_first_claim_would():
    for table in TABLES:
        table.cache_clear()
    warmup.warm_up()
    assert [table.cache_info().currsize for table in TABLES] == [1] * len(TABLES)


def test_the_wsgi_application_is_warmed_as_it_loads(monkeypatch):
    called = []
    monkeypatch.setattr(warmup, "warm_up", lambda: called.append(True))
    import factcheck.wsgi

    called.clear()  # the first import, if this process had not made it yet
    importlib.reload(factcheck.wsgi)
    assert called == [True]
    assert callable(factcheck.wsgi.application)
