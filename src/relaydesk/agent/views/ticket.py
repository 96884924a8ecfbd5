"""The ticket zoom: the thread, the sidebar of facts, the action forms, the
History tab, who else has the ticket open, and an article's headers and HTML.

Every URL finds the ticket through the visibility rule first: a ticket the
agent may not see answers 404, exactly like a missing one. The zoom runs a
constant number of queries whatever the number of articles and attachments.
"""

from __future__ import annotations

import datetime as dt
import re
from email import policy
from email.parser import BytesParser
from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from relaydesk.accounts.models import User
from relaydesk.agent import forms_ticket as forms
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.models import TicketPresence
from relaydesk.agent.views import ticket_context as ctx
from relaydesk.core.storage import read_blob
from relaydesk.core.time import now
from relaydesk.mail.models import InboundMessage
from relaydesk.tickets.models import (
    CLOSED_CATEGORIES,
    Article,
    Attachment,
    StateCategory,
    Ticket,
    TicketHistory,
    TicketLink,
    TicketState,
)
from relaydesk.tickets.visibility import visible_articles, visible_tickets

PRESENCE_SECONDS = 45
OTHER_TICKETS_SHOWN = 10
RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
HEADER_LIMIT = 200


def match_label(row: InboundMessage) -> str:
    """How an inbound mail found its ticket, in words (issue 3 wants it in the thread)."""
    method, value = row.match_method, row.match_value
    duplicate = method.startswith("duplicate_")
    method = method.removeprefix("duplicate_")
    labels = {
        "subject_tag": _("matched by subject tag %(value)s"),
        "in_reply_to": _("matched by In-Reply-To %(value)s"),
        "references": _("matched by References %(value)s"),
        "external_number": _("matched by external number %(value)s"),
        "bounced_message": _("matched by the bounced message %(value)s"),
        "new_ticket": _("new ticket via %(value)s"),
    }
    label = labels.get(method, _("matched by %(method)s %(value)s"))
    text = label % {"value": value, "method": method}
    return _("duplicate, %(label)s") % {"label": text} if duplicate else text


def thread(request: AgentRequest, ticket: Ticket) -> list[Article]:
    articles = list(
        visible_articles(request.user, ticket)
        .filter(ticket_id=ticket.pk)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    inbound = {
        row.article_id: row
        for row in InboundMessage.objects.filter(article__in=[a.pk for a in articles]).only(
            "article_id", "match_method", "match_value", "reason", "received_at"
        )
    }
    for article in articles:
        row = inbound.get(article.pk)
        article.match = match_label(row) if row is not None and row.match_method else ""  # type: ignore[attr-defined]
        article.match_reason = row.reason if row is not None else ""  # type: ignore[attr-defined]
        article.kind_class, article.kind_label = article_kind(article)  # type: ignore[attr-defined]
        article.images = [  # type: ignore[attr-defined]
            a for a in article.attachments.all() if a.content_type.lower() in RASTER_TYPES
        ]
    return articles


def links_of(ticket: Ticket, user: User) -> list[dict[str, Any]]:
    visible = visible_tickets(user).values("id")
    rows = (
        TicketLink.objects.filter(
            Q(source=ticket, target__in=visible) | Q(target=ticket, source__in=visible)
        )
        .select_related("source__state", "target__state")
        .order_by("created_at", "id")
    )
    links = []
    for link in rows:
        outgoing = link.source_id == ticket.pk
        other = link.target if outgoing else link.source
        label = link.get_kind_display()
        links.append(
            {
                "other": other,
                "kind": label if outgoing else _("%(kind)s (reverse)") % {"kind": label},
            }
        )
    return links


def present_others(ticket: Ticket, user: User) -> list[TicketPresence]:
    since = now() - dt.timedelta(seconds=PRESENCE_SECONDS)
    return list(
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__name")
    )


def mark_present(ticket: Ticket, user: User) -> None:
    """One UPDATE while the agent stays (update_or_create took four statements)."""
    at = now()
    if not TicketPresence.objects.filter(ticket=ticket, user=user).update(seen_at=at):
        TicketPresence.objects.bulk_create(
            [TicketPresence(ticket=ticket, user=user, seen_at=at)], ignore_conflicts=True
        )


def neighbours(ticket: Ticket, user: User) -> tuple[Ticket | None, Ticket | None]:
    """The previous and next open ticket of the same queue (for `k`, `j` and `]`)."""
    same_queue = (
        visible_tickets(user)
        .filter(queue_id=ticket.queue_id)
        .exclude(state__category__in=CLOSED_CATEGORIES)
        .only("number", "title")
    )
    following = same_queue.filter(pk__gt=ticket.pk).order_by("pk").first()
    previous = same_queue.filter(pk__lt=ticket.pk).order_by("-pk").first()
    return previous, following


def action_forms(request: AgentRequest, ticket: Ticket, loaded_at: dt.datetime) -> dict[str, Any]:
    """Every form of the zoom, each with its own id prefix (they share one page)."""
    base = ctx.base_initial(ticket, loaded_at)
    user = request.user
    built: dict[str, Any] = {
        "reply_form": forms.ReplyForm(
            initial={**base, "subject": reply_subject(ticket)}, auto_id="reply_%s"
        ),
        "note_form": forms.ArticleForm(initial=base, auto_id="note_%s"),
        "phone_form": forms.ArticleForm(initial=base, auto_id="phone_%s"),
        "owner_form": forms.OwnerForm(
            initial={**base, "owner": ticket.owner_id},
            agents=ctx.agents_for(ticket.queue),
            auto_id="owner_%s",
        ),
        "lock_form": forms.LockForm(initial=base, auto_id="lock_%s"),
        "state_form": forms.StateForm(
            initial={
                **base,
                "state": ticket.state_id,
                "pending_until": ctx.local(ticket.pending_until, user),
            },
            zone=forms.zone_of(user),
            auto_id="state_%s",
        ),
        "priority_form": forms.PriorityForm(
            initial={**base, "priority": ticket.priority_id}, auto_id="priority_%s"
        ),
        "type_form": forms.TypeForm(
            initial={**base, "ticket_type": ticket.type_id}, auto_id="type_%s"
        ),
        "queue_form": forms.QueueForm(
            initial={**base, "queue": ticket.queue_id},
            queues=ctx.writable_queues(user),
            auto_id="queue_%s",
        ),
        "link_form": forms.LinkForm(initial=base, auto_id="link_%s"),
        "merge_form": forms.MergeForm(initial=base, auto_id="merge_%s"),
        "close_form": forms.CloseForm(initial=base, auto_id="close_%s"),
    }
    # The state pickers share one read of the states.
    states = list(TicketState.objects.filter(is_active=True).exclude(category=StateCategory.MERGED))
    built["state_form"].fields["state"].choices = [(state.pk, state.name) for state in states]
    built["close_form"].fields["state"].choices = [
        (state.pk, state.name) for state in states if state.category == StateCategory.CLOSED
    ]
    for form in built.values():
        form.freeze_choices()
    built["side_forms"] = [
        (built["priority_form"], "priority", built["priority_form"]["priority"]),
        (built["owner_form"], "owner", built["owner_form"]["owner"]),
        (built["queue_form"], "queue", built["queue_form"]["queue"]),
        (built["type_form"], "type", built["type_form"]["ticket_type"]),
    ]
    return built


def article_kind(article: Article) -> tuple[str, str]:
    """A CSS class and a label telling at a glance what the article is."""
    if article.is_bounce:
        return "system", _("Bounce")
    if article.is_auto_reply:
        return "system", _("Automatic reply")
    if article.channel == "note":
        return "note", _("Internal note")
    if article.channel == "phone":
        return "phone", _("Phone note")
    if article.sender_kind == "system" or article.channel == "system":
        return "system", _("System")
    if article.sender_kind == "customer":
        labels = {"email": _("Customer mail"), "portal": _("Customer via portal")}
        return "customer", labels.get(article.channel, _("Customer"))
    if article.is_internal and article.channel == "email":
        return "note", _("Forwarded mail")
    return "agent", _("Agent reply")


def reply_subject(ticket: Ticket) -> str:
    return f"Re: {ticket.title}"


def zoom_context(request: AgentRequest, ticket: Ticket) -> dict[str, Any]:
    user = request.user
    loaded_at = now()
    may_write = ctx.can_write(user, ticket)
    mark_present(ticket, user)
    other_tickets = []
    if ticket.customer_id is not None:
        other_tickets = list(
            visible_tickets(user)
            .filter(customer_id=ticket.customer_id)
            .exclude(pk=ticket.pk)
            .exclude(state__category__in=CLOSED_CATEGORIES)
            .select_related("state")
            .order_by("-updated_at")[:OTHER_TICKETS_SHOWN]
        )
    previous, following = neighbours(ticket, user)
    context: dict[str, Any] = {
        "ticket": ticket,
        # The article links are built on this prefix (the URL patterns under
        # tickets/<number>/ in urls.py): reversing nine URLs per article cost
        # ~0.2 ms each, too much for a long thread.
        "ticket_url": reverse("agent:ticket", args=[ticket.number]),
        "articles": thread(request, ticket),
        "links": links_of(ticket, user),
        "participants": list(ticket.participants.order_by("name", "email")),
        "other_tickets": other_tickets,
        "present": present_others(ticket, user),
        "can_write": may_write,
        "previous_ticket": previous,
        "next_ticket": following,
        "loaded_at": loaded_at,
        "tab": "thread",
    }
    if may_write:
        context.update(action_forms(request, ticket, loaded_at))
    return context


def render_zoomed(request: AgentRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    with timezone.override(forms.zone_of(request.user)):
        return render(request, template, context)


@agent_required
@require_GET
def ticket_zoom(request: AgentRequest, number: str) -> HttpResponse:
    ticket = ctx.ticket_or_404(request, number)
    return render_zoomed(request, "agent/ticket/zoom.html", zoom_context(request, ticket))


@agent_required
@require_GET
def ticket_history(request: AgentRequest, number: str) -> HttpResponse:
    ticket = ctx.ticket_or_404(request, number)
    rows = TicketHistory.objects.filter(ticket=ticket).select_related("actor").order_by("at", "id")
    context = {"ticket": ticket, "history": ctx.label_history(list(rows)), "tab": "history"}
    return render_zoomed(request, "agent/ticket/history.html", context)


@agent_required
@require_POST
def ticket_presence(request: AgentRequest, number: str) -> HttpResponse:
    """The heartbeat: I am here; who else is, and has the ticket changed since I loaded it?"""
    ticket = ctx.ticket_or_404(request, number)
    mark_present(ticket, request.user)
    TicketPresence.objects.filter(
        seen_at__lt=now() - dt.timedelta(seconds=PRESENCE_SECONDS * 4)
    ).delete()
    try:
        seen_version = int(request.POST.get("version", ""))
    except ValueError:
        seen_version = ticket.version
    context = {
        "ticket": ticket,
        "present": present_others(ticket, request.user),
        "changed": ticket.version > seen_version,
        "seen_version": seen_version,
    }
    return render_zoomed(request, "agent/ticket/_presence.html", context)


def raw_headers(article: Article) -> list[tuple[str, str]]:
    if not article.raw_sha256:
        return []
    try:
        raw = read_blob(article.raw_sha256)
    except (FileNotFoundError, OSError):
        return []
    message = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    return [(name, str(value)) for name, value in message.items()[:HEADER_LIMIT]]


@agent_required
@require_GET
def article_headers(request: AgentRequest, number: str, article_id: int) -> HttpResponse:
    ticket = ctx.ticket_or_404(request, number)
    article = ctx.article_or_404(request, ticket, article_id)
    context = {"ticket": ticket, "article": article, "headers": raw_headers(article)}
    template = "agent/ticket/_headers.html" if request.htmx else "agent/ticket/headers.html"
    return render_zoomed(request, template, context)


CID = re.compile(r"""(src\s*=\s*["']?)cid:([^"'\s>]+)""", re.IGNORECASE)
FRAME_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin "
    "allow-popups allow-popups-to-escape-sandbox"
)


def with_inline_images(html: str, ticket: Ticket, article: Article) -> str:
    """cid: references point at our attachment URLs (remote images stay blocked by CSP)."""
    by_cid = {
        a.content_id.strip("<>"): a
        for a in article.attachments.all()
        if a.content_id and a.content_type.lower() in RASTER_TYPES
    }

    def replace(match: re.Match[str]) -> str:
        attachment = by_cid.get(match.group(2))
        if attachment is None:
            return match.group(1) + "about:blank"
        url = reverse("agent:ticket_attachment", args=[ticket.number, attachment.pk])
        return f"{match.group(1)}{escape(url)}?inline=1"

    return CID.sub(replace, html)


@agent_required
@require_GET
@xframe_options_sameorigin
def article_html(request: AgentRequest, number: str, article_id: int) -> HttpResponse:
    """The sanitised HTML body as a document of its own, for a sandboxed frame."""
    ticket = ctx.ticket_or_404(request, number)
    article = ctx.article_or_404(request, ticket, article_id)
    body = with_inline_images(article.body_html, ticket, article)
    document = (
        '<!doctype html><html><head><meta charset="utf-8"><base target="_blank">'
        "<style>body{font:14px/1.45 system-ui,sans-serif;margin:8px;color:#1c2128;"
        "overflow-wrap:anywhere}img{max-width:100%;height:auto}"
        "blockquote{margin:0 0 0 .5em;padding-left:.75em;border-left:3px solid #d4d9e0}"
        f"</style></head><body>{body}</body></html>"
    )
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = FRAME_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response
