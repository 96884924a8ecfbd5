"""Search: the top bar's box, the advanced form, the results, saved searches.

- `/agent/search/?q=…` — a ticket number the agent may see opens that ticket;
  anything else is searched as words (tickets/search.py), best matches first,
  within what the agent may see. A number the agent may not see is searched
  as words too and finds nothing: the answer never tells that it exists.
- With any other filter key (the advanced form, a saved search) the results
  are the ticket list's: filtered, sorted, keyset-paged (tickets/selectors).
- Every search that runs is kept as the agent's "last-search".
- `/agent/searches/…` — the saved searches: list, run, save, rename, delete.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relaydesk.accounts.models import User
from relaydesk.accounts.selectors import customers_matching
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.models import LAST_SEARCH, SavedSearch
from relaydesk.agent.search_forms import AdvancedSearchForm, SaveSearchForm
from relaydesk.agent.templatetags.agent_lists import ticket_url
from relaydesk.core.errors import ValidationFailed
from relaydesk.core.time import now
from relaydesk.tickets.search import search_tickets
from relaydesk.tickets.selectors import (
    SORT_COLUMNS,
    TicketFilters,
    fetch_rows,
    filters_querystring,
    list_page,
    parse_filters,
    parse_sort,
)
from relaydesk.tickets.selectors.filters import MAX_VALUES
from relaydesk.tickets.visibility import visible_tickets

NUMBER = re.compile(r"^#?\s*(\d{4,32})$")
PAGE_SIZE = 25
MAX_RANKED_PAGES = 20  # the ranked results stop after 500 tickets: refine instead
OWN_KEYS = ("sender",)


def _page_number(request: AgentRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), MAX_RANKED_PAGES))
    except ValueError:
        return 1


def _sender_customers(sender: str) -> tuple[int, ...]:
    """Ids of the customers a `sender` text stands for (none matching: an impossible id)."""
    ids = tuple(customers_matching(sender).values_list("pk", flat=True)[:MAX_VALUES])
    return ids or (0,)


def read_search(request: AgentRequest) -> tuple[TicketFilters, str, dict[str, str]]:
    """The filters, the querystring to keep (filters and own keys), and the bad keys."""
    try:
        filters = parse_filters(request.GET, timezone=request.user.timezone)
    except ValidationFailed as exc:
        return TicketFilters(), "", exc.errors
    sender = request.GET.get("sender", "").strip()[:254]
    kept = filters_querystring(filters)
    if sender:
        kept = "&".join(part for part in (kept, urlencode({"sender": sender})) if part)
        senders = _sender_customers(sender)
        if filters.customers:
            senders = tuple(pk for pk in senders if pk in filters.customers) or (0,)
        filters = replace(filters, customers=senders)
    return filters, kept, {}


def remember_last_search(user: User, query: str) -> None:
    """Keep `query` as the agent's "last-search" (made on first use)."""
    updated = SavedSearch.objects.filter(owner=user, name=LAST_SEARCH).update(
        query=query, updated_at=now()
    )
    if not updated:
        try:
            with transaction.atomic():
                SavedSearch.objects.create(owner=user, name=LAST_SEARCH, query=query)
        except IntegrityError:  # a parallel request made it first; this search is as recent
            pass


def _is_text_only(filters: TicketFilters) -> bool:
    return bool(filters.text) and TicketFilters(text=filters.text) == filters


def _ranked(request: AgentRequest, text: str) -> dict[str, Any]:
    """Best matches first, page by page (at most MAX_RANKED_PAGES pages)."""
    page = _page_number(request)
    offset = (page - 1) * PAGE_SIZE
    matches = search_tickets(request.user, text, limit=offset + PAGE_SIZE + 1)
    rows = fetch_rows(matches, PAGE_SIZE + 1, offset)
    has_next = len(rows) > PAGE_SIZE and page < MAX_RANKED_PAGES
    return {
        "rows": rows[:PAGE_SIZE],
        "ranked": True,
        "page": page,
        "next_page": page + 1 if has_next else None,
        "previous_page": page - 1 if page > 1 else None,
    }


def _filtered(request: AgentRequest, filters: TicketFilters) -> dict[str, Any]:
    sort = parse_sort(request.GET.get("sort"))
    result = list_page(
        request.user, filters, sort, request.GET.get("cursor") or None, PAGE_SIZE, with_count=True
    )
    return {
        "rows": result.rows,
        "ranked": False,
        "sort": str(sort),
        "count": result.count,
        "next_cursor": result.next_cursor,
        "previous_cursor": result.previous_cursor,
    }


def _visible_number(request: AgentRequest, text: str) -> str | None:
    match = NUMBER.match(text)
    if match is None:
        return None
    found = visible_tickets(request.user).filter(number=match[1]).values_list("number", flat=True)
    return found.first()


@agent_required
def search(request: AgentRequest) -> HttpResponse:
    """The results page (top bar box, advanced form, saved searches)."""
    text = request.GET.get("q", "").strip()
    only_q = set(request.GET.keys()) <= {"q", "page"}
    if only_q and text:
        number = _visible_number(request, text)
        if number is not None:
            return redirect(ticket_url(number))
    filters, kept, errors = read_search(request)
    context: dict[str, Any] = {"errors": errors, "query": kept, "text": text, "rows": []}
    if filters.is_empty and not errors:
        return render(request, "agent/search/results.html", {**context, "is_empty": True})
    if not errors:
        try:
            if _is_text_only(filters):
                context.update(_ranked(request, filters.text))
            else:
                context.update(_filtered(request, filters))
        except ValidationFailed as exc:
            context["errors"] = exc.errors
    if not context["errors"] and not request.GET.get("cursor") and _page_number(request) == 1:
        remember_last_search(request.user, kept)
    context["save_form"] = SaveSearchForm(initial={"query": kept}, user=request.user)
    context["sort_columns"] = SORT_COLUMNS
    return render(request, "agent/search/results.html", context)


@agent_required
def advanced(request: AgentRequest) -> HttpResponse:
    """The advanced form, filled from the querystring (to refine a search)."""
    form = AdvancedSearchForm(request.GET or None, user=request.user)
    form.is_valid()  # only to show values back; the results page parses the querystring
    return render(request, "agent/search/advanced.html", {"form": form})


def _saved(request: AgentRequest, pk: int) -> SavedSearch:
    return get_object_or_404(SavedSearch, pk=pk, owner=request.user)


@agent_required
def saved_searches(request: AgentRequest) -> HttpResponse:
    searches = list(SavedSearch.objects.filter(owner=request.user).order_by("name"))
    return render(request, "agent/search/saved.html", {"searches": searches})


@agent_required
def saved_searches_menu(request: AgentRequest) -> HttpResponse:
    """The top bar's dropdown (loaded by htmx when it opens)."""
    searches = list(SavedSearch.objects.filter(owner=request.user).order_by("name")[:30])
    return render(request, "agent/search/menu.html", {"searches": searches})


@agent_required
def run_saved_search(request: AgentRequest, pk: int) -> HttpResponse:
    saved = _saved(request, pk)
    query = QueryDict(saved.query).urlencode()  # re-encoded: nothing but a querystring
    return redirect(f"{reverse('agent:search')}?{query}" if query else reverse("agent:search"))


@agent_required
@require_POST
def save_search(request: AgentRequest) -> HttpResponse:
    form = SaveSearchForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            with transaction.atomic():
                SavedSearch.objects.create(
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    query=form.cleaned_data["query"],
                )
        except IntegrityError:
            form.add_error("name", _("You already have a search with this name."))
        else:
            messages.success(
                request, _("Search saved as “%(name)s”.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("agent:saved_searches")
    return render(request, "agent/search/save.html", {"form": form}, status=400)


@agent_required
@require_POST
def rename_saved_search(request: AgentRequest, pk: int) -> HttpResponse:
    saved = _saved(request, pk)
    form = SaveSearchForm(
        {"name": request.POST.get("name", ""), "query": saved.query},
        user=request.user,
        instance=saved,
    )
    if not form.is_valid():
        return render(request, "agent/search/save.html", {"form": form, "saved": saved}, status=400)
    old = saved.name
    saved.name = form.cleaned_data["name"]
    saved.updated_at = now()
    saved.save(update_fields=["name", "updated_at"])
    messages.success(
        request, _("“%(old)s” renamed to “%(new)s”.") % {"old": old, "new": saved.name}
    )
    return redirect("agent:saved_searches")


@agent_required
@require_POST
def delete_saved_search(request: AgentRequest, pk: int) -> HttpResponse:
    saved = _saved(request, pk)
    saved.delete()
    messages.success(request, _("Search “%(name)s” deleted.") % {"name": saved.name})
    return redirect("agent:saved_searches")
