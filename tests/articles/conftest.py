"""Fixtures shared by the export and annotation tests."""

import pytest

from tests.articles.test_export import build_judged_story


@pytest.fixture
def judged(editor, reviewer, reviewer2, original, rewritten):
    return build_judged_story(
        editor=editor,
        reviewer=reviewer,
        reviewer2=reviewer2,
        original=original,
        rewritten=rewritten,
    )
