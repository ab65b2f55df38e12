"""schemathesis, a property-based API fuzzer, against the JSON API's OpenAPI schema:
every operation, in process (WSGI), with generated valid and invalid input. No answer is
a 500, every status code and body is the one the schema documents, and an operation
needing a token refuses a request without one.

Path ids are mostly those of real rows (a story the token's user may see, one it may
not, their versions and claims), so the examples reach the code behind the 404s.
Examples share the test's database: later ones meet what earlier ones created.
"""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja.responses import NinjaJSONEncoder
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from articles import publishing
from articles.api import api
from articles.models import ApiToken, Claim, Story
from articles.versions import import_version
from tests.articles.conftest import ORGANISATION
from tests.articles.test_export import build_judged_story

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]
# Per operation; a longer hunt: SCHEMATHESIS_EXAMPLES=200 pytest tests/fuzz/test_api_schemathesis.py
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))


@pytest.fixture
def in_process():
    """Keep the test's database connection open across requests, as Django's test client
    does: the WSGI handler would close it at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(
    in_process, settings, editor, reviewer, reviewer2, original, rewritten, django_user_model
):
    for name, value in ORGANISATION.items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    story = build_judged_story(
        editor=editor,
        reviewer=reviewer,
        reviewer2=reviewer2,
        original=original,
        rewritten=rewritten,
    )
    publishing.publication_publish(story=story, user=editor)
    hidden = Story.objects.create(title="Not a member", created_by=editor)
    hidden_version = import_version(
        story=hidden, text="Nobody else reads this.\n", label="Only", created_by=editor
    )
    _, key = ApiToken.issue(user=reviewer, name="fuzz")
    _, editor_key = ApiToken.issue(user=editor, name="fuzz")
    ids = {
        "story_id": [story.pk, hidden.pk],
        "version_id": [original.pk, rewritten.pk, hidden_version.pk],
        "claim_id": list(Claim.objects.filter(version__story=story).values_list("pk", flat=True)),
    }
    return {"ids": ids, "keys": [key, editor_key]}


def _schema():
    """The schema the API serves at /api/v1/openapi.json, and the app to send requests to
    (schemathesis.pytest.from_fixture would load it per test, but needs pytest < 9)."""
    loaded = schemathesis.openapi.from_dict(
        json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
    )
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


def fuzz_operation(operation, world: dict, tally: list) -> None:
    """Run one operation's examples, valid and invalid input mixed."""
    ids, keys = world["ids"], world["keys"]

    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case):
        for name, value in (case.path_parameters or {}).items():
            # Two in three examples name a real row; the rest keep the generated value.
            if name in ids and isinstance(value, int) and value % 3:
                case.path_parameters[name] = ids[name][value % len(ids[name])]
        # Reviewer (a member of one story) or editor, by the example's shape.
        key = keys[len(str(case.body)) % 2]
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
        tally.append(operation.label)

    run()


def test_every_operation_answers_what_the_schema_documents(api_world):
    tally = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        fuzz_operation(operation, api_world, tally)
    assert len(operations) == 19
    print(f"schemathesis: {len(tally)} examples over {len(operations)} operations")
    # Each operation ran its examples (hypothesis stops early only when it runs out of cases).
    assert {label for label in tally} == {op.label for op in operations}
