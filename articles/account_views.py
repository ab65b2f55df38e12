"""A user's own API tokens: create one (its key shown once), list and revoke them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from articles import validation
from articles.models import ApiToken

MAX_TOKENS = 20


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    tokens = ApiToken.objects.filter(user=request.user)
    context = {"new_key": None, "error": None, "name": ""}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            pk = validation.parse_id(request.POST.get("token"))
            deleted, _ = tokens.filter(pk=pk).delete() if pk else (0, None)
            if deleted:
                messages.success(
                    request, "Token revoked: scripts using it are refused from now on."
                )
            return redirect("articles:api_tokens")
        if action != "create":
            context["error"], status = "Choose Create or Revoke.", 400
        elif tokens.count() >= MAX_TOKENS:
            context["error"], status = f"You have {MAX_TOKENS} tokens: revoke one first.", 409
        else:
            try:
                name = validation.single_line(
                    request.POST.get("name"), what="The name", max_length=100, required=True
                )
            except ValidationError as exc:
                context["error"], status = " ".join(exc.messages), 422
                context["name"] = (request.POST.get("name") or "")[:100]
            else:
                # Shown on this answer only (not redirected: the key must not sit in a session).
                _, context["new_key"] = ApiToken.issue(user=request.user, name=name)
    context["tokens"] = list(tokens)
    return render(request, "articles/api_tokens.html", context, status=status)
