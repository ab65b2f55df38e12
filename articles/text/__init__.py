"""Pure text processing: str, int and frozen dataclasses in and out.

Nothing in this package imports Django, the ORM or a request; every function here can be
tested without a database. None of it needs a statistical model.
"""
