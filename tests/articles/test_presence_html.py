"""The presence region written as a string (articles/presence_html.py) is what its
template wrote, for every state of it: the old template is kept here to compare with."""

import pytest
from django.template import engines

from articles import presence_html, workflow
from articles.models import Presence
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db

OLD_TEMPLATE = """
<section id="presence" class="presence" aria-label="Also reading this version" aria-live="polite" data-leave-url="{% url 'articles:presence_leave' version.pk %}" data-fingerprint="{{ presence_fp|default:'' }}"{% if oob %} data-hx-swap-oob="true"{% endif %}>
  {% if people %}
  <p class="presence__label">Also here</p>
  <ul class="presence__list">
    {% for p in people %}
    <li class="presence__person" data-user="{{ p.user_id }}"{% if p.claim_id %} data-claim="{{ p.claim_id }}"{% endif %}>
      <span class="avatar" aria-hidden="true">{{ p.user.get_full_name|default:p.user.username|first|upper }}</span>
      <span class="presence__name">{{ p.user.get_full_name|default:p.user.username }}</span>{% if p.claim %} <span class="muted small">looking at <a href="?claim={{ p.claim_id }}">claim #{{ p.claim.number }}</a></span>{% endif %}
    </li>
    {% endfor %}
  </ul>
  {% endif %}
</section>
"""


def old(version, people, fingerprint="", oob=False) -> str:
    template = engines["django"].from_string(OLD_TEMPLATE)
    return template.render({"version": version, "people": people, "presence_fp": fingerprint,
                            "oob": oob})  # fmt: skip


def test_the_region_is_what_the_template_wrote(django_user_model, reviewer, reviewer2, original):
    awkward = django_user_model.objects.create_user(
        "zed", first_name='<b>Zoë</b> "Z"', last_name="O'Brien & co", password="x"
    )
    plain = django_user_model.objects.create_user("ümit", password="x")  # no full name
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    for k, (user, claim_id) in enumerate(
        [(reviewer, claim.pk), (reviewer2, None), (awkward, claim.pk), (plain, None)]
    ):
        workflow.presence_touch(version=original, user=user, tab=f"tab{k:05d}", claim_id=claim_id)
    everyone = workflow.present(original, django_user_model.objects.create_user("viewer"))
    assert len(everyone) == 4 and Presence.objects.filter(claim=claim).count() == 2
    for people in ([], everyone, everyone[2:3], everyone[1:2]):
        for fingerprint, oob in (("", False), ('1-2.<3>"', True)):
            new = presence_html.region(original.pk, people, fingerprint, oob=oob)
            assert new == old(original, people, fingerprint, oob)
    shown = presence_html.region(original.pk, everyone, "")
    assert "&lt;b&gt;Zoë&lt;/b&gt; &quot;Z&quot; O&#x27;Brien &amp; co" in shown
    assert '<span class="avatar" aria-hidden="true">Ü</span>' in shown


def test_the_people_are_read_in_one_query_whatever_their_number(
    django_user_model, reviewer, original, django_assert_num_queries
):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    for k in range(12):
        user = django_user_model.objects.create_user(f"person{k}")
        workflow.presence_touch(version=original, user=user, tab=f"tab{k:05d}", claim_id=claim.pk)
    with django_assert_num_queries(1):
        people = workflow.present(original, reviewer)
        html = presence_html.region(original.pk, people, "")
    assert html.count("looking at") == 12
