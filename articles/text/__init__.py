"""Pure text processing: str, int and frozen dataclasses in and out.

Nothing in this package imports Django, the ORM or a request; every function here can be
tested without a database. Only ``segmentation`` imports spaCy, through one cached loader.
"""
