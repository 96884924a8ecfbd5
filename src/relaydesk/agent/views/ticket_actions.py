"""The ticket zoom's actions, one URL each: /agent/tickets/<number>/act/<action>/.

GET shows the action's form on a page of its own (the way without JavaScript,
and where a reply quotes the chosen article); POST validates it and calls the
action in `tickets.actions` with the version the form carried. A stale version
(the ticket changed after the page was loaded) answers 409 with what changed
since and the form again, to be sent anyway or left; taking over another
agent's lock and merging ask first. Nothing here writes a ticket row itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from relaydesk.agent import forms_ticket as forms
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.views import ticket_context as ctx
from relaydesk.agent.views.ticket import render_zoomed, reply_subject
from relaydesk.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from relaydesk.core.time import now
from relaydesk.tickets import actions
from relaydesk.tickets.actions.addresses import is_bare_address, split_addresses
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Channel,
    Ticket,
    TicketHistory,
    Visibility,
)
from relaydesk.tickets.visibility import visible_articles, visible_tickets

WEB = Channel.WEB


class Ask(Exception):
    """The action wants the agent's confirmation first (lock take-over, merge preview)."""

    def __init__(self, flags: dict[str, Any], template_context: dict[str, Any]) -> None:
        super().__init__("confirmation needed")
        self.flags = flags  # sent along with the confirmed form
        self.context = template_context


Runner = Callable[[AgentRequest, Ticket, dict[str, Any]], "str | None"]
Builder = Callable[..., django_forms.Form]


@dataclass(frozen=True)
class ActionSpec:
    title: Any
    build: Builder
    run: Runner
    done: Any
    # Action error field → form field, where the names differ.
    fields: dict[str, str] = field(default_factory=dict)


# --- helpers -------------------------------------------------------------------------


def quoted_article(request: AgentRequest, ticket: Ticket, value: Any) -> Article | None:
    try:
        article_id = int(value)
    except (TypeError, ValueError):
        return None
    return (
        visible_articles(request.user, ticket)
        .filter(pk=article_id, ticket_id=ticket.pk)
        .select_related("author")
        .first()
    )


def quote(article: Article, zone: dt.tzinfo) -> str:
    sender = article.from_address or (article.author.email if article.author else "")
    when = timezone.localtime(article.created_at, zone).strftime("%Y-%m-%d %H:%M")
    intro = _("On %(when)s, %(sender)s wrote:") % {"when": when, "sender": sender}
    lines = "\n".join(f"> {line}" if line else ">" for line in article.body_text.splitlines())
    return f"\n\n{intro}\n{lines}\n"


def own_addresses(ticket: Ticket) -> set[str]:
    return {ticket.queue.email_address.lower()} if ticket.queue.email_address else set()


def reply_recipients(ticket: Ticket, article: Article | None, reply_all: bool) -> tuple[str, str]:
    """To and Cc of a reply: the customer (or the quoted sender); all adds the others.

    Only bare addresses go into Cc (the outgoing reply is mailed to them too); the
    action checks them again (SECURITY.md class 6).
    """
    to = ticket.customer.email if ticket.customer else ""
    if article is not None and article.from_address and article.sender_kind == "customer":
        to = article.from_address
    cc: list[str] = []
    if reply_all and article is not None:
        skip = own_addresses(ticket) | {to.strip().lower()}
        for address in split_addresses(article.to_addresses) + split_addresses(
            article.cc_addresses
        ):
            if address.lower() not in skip and is_bare_address(address):
                cc.append(address)
    return to, ", ".join(dict.fromkeys(cc))


def ticket_by_number(request: AgentRequest, value: str) -> Ticket | None:
    return (
        visible_tickets(request.user)
        .select_related("state", "customer", "queue")
        .filter(number=value.strip().lstrip("#"))
        .first()
    )


def zoom_url(ticket: Ticket) -> str:
    return reverse("agent:ticket", args=[ticket.number])


# --- runners: cleaned data in, the action called, the next page's URL out --------------


def last_customer_article(ticket: Ticket) -> Article | None:
    """What a reply answers when no article was chosen: the customer's latest mail."""
    return (
        Article.objects.filter(
            ticket_id=ticket.pk, sender_kind="customer", visibility=Visibility.PUBLIC
        )
        .order_by("-created_at", "-id")
        .first()
    )


def run_reply(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    quoted = quoted_article(request, ticket, data.get("article")) or last_customer_article(ticket)
    to, cc = reply_recipients(ticket, quoted, data["recipients"] == "all")
    references = ""
    if quoted is not None and quoted.message_id:
        references = f"{quoted.references} {quoted.message_id}".strip()
    actions.add_article(
        actor=request.user,
        via=WEB,
        ticket=ticket,
        article=actions.NewArticle(
            body_text=data["body"],
            channel=ArticleChannel.EMAIL,
            visibility=Visibility.PUBLIC,
            subject=data.get("subject") or reply_subject(ticket),
            to_addresses=to,
            cc_addresses=cc,
            in_reply_to=quoted.message_id if quoted is not None else "",
            references=references,
        ),
        expected_version=data["version"],
    )
    return None


def article_runner(channel: str) -> Runner:
    def run(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
        actions.add_article(
            actor=request.user,
            via=WEB,
            ticket=ticket,
            # Notes and phone notes stay internal: a public agent article is mailed out.
            article=actions.NewArticle(
                body_text=data["body"],
                channel=channel,
                visibility=Visibility.INTERNAL,
                subject=data.get("subject") or "",
            ),
            expected_version=data["version"],
        )
        return None

    return run


def run_forward(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    if quoted_article(request, ticket, data["article"]) is None:
        raise ValidationFailed({"article": _("no such article")})
    actions.forward_article(
        actor=request.user,
        via=WEB,
        article=data["article"],
        to_address=data["to_address"],
        note=data.get("note") or "",
        expected_version=data["version"],
    )
    return None


def field_runner(change: Callable[..., Any], keyword: str) -> Runner:
    """A runner for an action that sets one field of the ticket from the form's `keyword`."""

    def run(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
        change(
            actor=request.user,
            via=WEB,
            ticket=ticket,
            expected_version=data["version"],
            **{keyword: data[keyword]},
        )
        return None

    return run


def run_lock(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    held_by_other = ticket.is_locked and ticket.owner_id != request.user.pk
    if held_by_other and not data.get("take_over"):
        raise Ask({"take_over": True}, {"holder": ticket.owner})
    actions.lock_ticket(
        actor=request.user,
        via=WEB,
        ticket=ticket,
        take_over=bool(data.get("take_over")),
        expected_version=data["version"],
    )
    return None


def run_unlock(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    actions.unlock_ticket(
        actor=request.user, via=WEB, ticket=ticket, expected_version=data["version"]
    )
    return None


def run_state(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    actions.change_state(
        actor=request.user,
        via=WEB,
        ticket=ticket,
        state=data["state"],
        pending_until=data.get("pending_until"),
        expected_version=data["version"],
    )
    return None


def run_queue(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    actions.move_queue(
        actor=request.user,
        via=WEB,
        ticket=ticket,
        queue=data["queue"],
        expected_version=data["version"],
    )
    # The agent may no longer see the ticket in its new queue.
    if visible_tickets(request.user).filter(pk=ticket.pk).exists():
        return None
    return reverse("agent:dashboard")


def other_ticket(request: AgentRequest, ticket: Ticket, number: str) -> Ticket:
    other = ticket_by_number(request, number)
    if other is None:
        raise ValidationFailed({"number": _("no such ticket")})
    if other.pk == ticket.pk:
        raise ValidationFailed({"number": _("that is this ticket")})
    return other


def run_link(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    other = other_ticket(request, ticket, data["number"])
    actions.link_tickets(
        actor=request.user,
        via=WEB,
        source=ticket,
        target=other,
        kind=data["kind"],
        expected_version=data["version"],
    )
    return None


def run_merge(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    target = other_ticket(request, ticket, data["number"])
    if not data.get("confirmed") or data.get("previewed") != target.number:
        moving = visible_articles(request.user, ticket).filter(ticket_id=ticket.pk).count()
        flags = {"confirmed": True, "previewed": target.number}
        raise Ask(flags, {"merge_target": target, "moving": moving})
    actions.merge_tickets(
        actor=request.user,
        via=WEB,
        source=ticket,
        target=target,
        expected_version=data["version"],
    )
    return zoom_url(target)


def run_split(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    if quoted_article(request, ticket, data["article"]) is None:
        raise ValidationFailed({"article": _("no such article")})
    new_ticket = actions.split_ticket(
        actor=request.user,
        via=WEB,
        article=data["article"],
        title=data.get("title") or None,
        expected_version=data["version"],
    )
    return zoom_url(new_ticket)


def run_close(request: AgentRequest, ticket: Ticket, data: dict[str, Any]) -> str | None:
    actions.close_ticket(
        actor=request.user,
        via=WEB,
        ticket=ticket,
        state=data["state"],
        expected_version=data["version"],
    )
    return None


# --- the table -----------------------------------------------------------------------


def plain(form_class: type[django_forms.Form]) -> Builder:
    def build(request: AgentRequest, ticket: Ticket, *args: Any, **kwargs: Any) -> Any:
        return form_class(*args, **kwargs)

    return build


def owner_form(request: AgentRequest, ticket: Ticket, *args: Any, **kwargs: Any) -> Any:
    return forms.OwnerForm(*args, agents=ctx.agents_for(ticket.queue), **kwargs)


def state_form(request: AgentRequest, ticket: Ticket, *args: Any, **kwargs: Any) -> Any:
    return forms.StateForm(*args, zone=forms.zone_of(request.user), **kwargs)


def queue_form(request: AgentRequest, ticket: Ticket, *args: Any, **kwargs: Any) -> Any:
    return forms.QueueForm(*args, queues=ctx.writable_queues(request.user), **kwargs)


BODY = {"body_text": "body"}
ACTIONS: dict[str, ActionSpec] = {
    "reply": ActionSpec(
        gettext_lazy("Reply"),
        plain(forms.ReplyForm),
        run_reply,
        gettext_lazy("Reply sent."),
        BODY,
    ),
    "note": ActionSpec(
        gettext_lazy("Internal note"),
        plain(forms.ArticleForm),
        article_runner(ArticleChannel.NOTE),
        gettext_lazy("Internal note added."),
        BODY,
    ),
    "phone": ActionSpec(
        gettext_lazy("Phone note"),
        plain(forms.ArticleForm),
        article_runner(ArticleChannel.PHONE),
        gettext_lazy("Phone note added."),
        BODY,
    ),
    "forward": ActionSpec(
        gettext_lazy("Forward"),
        plain(forms.ForwardForm),
        run_forward,
        gettext_lazy("Forward sent."),
    ),
    "owner": ActionSpec(
        gettext_lazy("Change owner"),
        owner_form,
        field_runner(actions.set_owner, "owner"),
        gettext_lazy("Owner changed."),
    ),
    "lock": ActionSpec(
        gettext_lazy("Lock"), plain(forms.LockForm), run_lock, gettext_lazy("Ticket locked.")
    ),
    "unlock": ActionSpec(
        gettext_lazy("Unlock"),
        plain(forms.LockForm),
        run_unlock,
        gettext_lazy("Ticket unlocked."),
    ),
    "state": ActionSpec(
        gettext_lazy("Change state"), state_form, run_state, gettext_lazy("State changed.")
    ),
    "priority": ActionSpec(
        gettext_lazy("Change priority"),
        plain(forms.PriorityForm),
        field_runner(actions.change_priority, "priority"),
        gettext_lazy("Priority changed."),
    ),
    "type": ActionSpec(
        gettext_lazy("Change type"),
        plain(forms.TypeForm),
        field_runner(actions.change_type, "ticket_type"),
        gettext_lazy("Type changed."),
        {"type": "ticket_type"},
    ),
    "queue": ActionSpec(
        gettext_lazy("Move to queue"),
        queue_form,
        run_queue,
        gettext_lazy("Ticket moved."),
    ),
    "link": ActionSpec(
        gettext_lazy("Link"),
        plain(forms.LinkForm),
        run_link,
        gettext_lazy("Tickets linked."),
        {"target": "number"},
    ),
    "merge": ActionSpec(
        gettext_lazy("Merge"),
        plain(forms.MergeForm),
        run_merge,
        gettext_lazy("Tickets merged."),
        {"target": "number"},
    ),
    "split": ActionSpec(
        gettext_lazy("Split"),
        plain(forms.SplitForm),
        run_split,
        gettext_lazy("Article split into a new ticket."),
    ),
    "close": ActionSpec(
        gettext_lazy("Close"), plain(forms.CloseForm), run_close, gettext_lazy("Ticket closed.")
    ),
}


def initial_for(request: AgentRequest, ticket: Ticket, name: str) -> dict[str, Any]:
    initial = ctx.base_initial(ticket)
    article = quoted_article(request, ticket, request.GET.get("article"))
    if name == "reply":
        initial["subject"] = reply_subject(ticket)
        initial["recipients"] = "all" if request.GET.get("all") == "1" else "customer"
        if article is not None:
            initial["article"] = article.pk
            initial["body"] = quote(article, forms.zone_of(request.user))
    elif name in {"forward", "split"} and article is not None:
        initial["article"] = article.pk
        if name == "split":
            initial["title"] = article.subject or ticket.title
    elif name == "owner":
        initial["owner"] = ticket.owner_id
    elif name == "state":
        initial["state"] = ticket.state_id
        initial["pending_until"] = ctx.local(ticket.pending_until, request.user)
    elif name == "priority":
        initial["priority"] = ticket.priority_id
    elif name == "type":
        initial["ticket_type"] = ticket.type_id
    elif name == "queue":
        initial["queue"] = ticket.queue_id
    return initial


def changes_since(ticket: Ticket, since: dt.datetime | None) -> list[TicketHistory]:
    rows = TicketHistory.objects.filter(ticket=ticket).select_related("actor")
    if since is not None:
        return ctx.label_history(list(rows.filter(at__gt=since).order_by("at", "id")[:50]))
    return ctx.label_history(list(rows.order_by("-at", "-id")[:10])[::-1])


def resubmission(request: AgentRequest, ticket: Ticket, extra: dict[str, Any]) -> QueryDict:
    """The posted data again, now carrying the current version (and any confirmation)."""
    data = request.POST.copy()
    data["version"] = str(ticket.version)
    data["loaded_at"] = now().isoformat()
    for key, value in extra.items():
        data[key] = "on" if value is True else str(value)
    return data


def add_domain_errors(form: django_forms.Form, spec: ActionSpec, error: ValidationFailed) -> None:
    for name, message in error.errors.items():
        target = spec.fields.get(name, name)
        form.add_error(target if target in form.fields else None, message)


def page(
    request: AgentRequest,
    ticket: Ticket,
    name: str,
    form: django_forms.Form,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    spec = ACTIONS[name]
    context = {
        "ticket": ticket,
        "action": name,
        "action_title": spec.title,
        "form": form,
        "quoted": quoted_article(request, ticket, form["article"].value())
        if "article" in form.fields
        else None,
        **extra,
    }
    response = render_zoomed(request, "agent/ticket/action.html", context)
    response.status_code = status
    return response


@agent_required
@require_http_methods(["GET", "POST"])
def ticket_action(request: AgentRequest, number: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    ticket = ctx.ticket_or_404(request, number)
    if spec is None:
        raise Http404
    if not ctx.can_write(request.user, ticket):
        form = spec.build(request, ticket, initial=ctx.base_initial(ticket))
        message = _("You may read this ticket but not change it.")
        return page(request, ticket, action, form, status=403, refusal=message)
    if request.method == "GET":
        form = spec.build(request, ticket, initial=initial_for(request, ticket, action))
        return page(request, ticket, action, form)
    form = spec.build(request, ticket, request.POST)
    if not form.is_valid():
        return page(request, ticket, action, form, status=400)
    data = dict(form.cleaned_data)
    try:
        next_url = spec.run(request, ticket, data)
    except Ask as ask:
        confirm = spec.build(request, ticket, resubmission(request, ticket, ask.flags))
        return page(request, ticket, action, confirm, confirm=ask.context)
    except Conflict:
        fresh = ctx.ticket_or_404(request, number)
        changes = changes_since(fresh, form.loaded_time())  # type: ignore[attr-defined]
        again = spec.build(request, fresh, resubmission(request, fresh, {"go_on": True}))
        return page(request, fresh, action, again, status=409, changes=changes, conflict=True)
    except ValidationFailed as error:
        add_domain_errors(form, spec, error)
        return page(request, ticket, action, form, status=400)
    except PermissionDenied as error:
        form.add_error(None, error.message)
        return page(request, ticket, action, form, status=403)
    except DomainError as error:
        form.add_error(None, error.message)
        return page(request, ticket, action, form, status=400)
    messages.success(request, str(spec.done))
    return HttpResponseRedirect(next_url or zoom_url(ticket), status=303)
