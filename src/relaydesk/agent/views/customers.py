"""Customers and organisations: finding them, their pages, and a new ticket on
a customer's behalf.

Any agent may look customers and organisations up (a ticket is often opened
for someone who has none yet); their tickets are listed from the visibility
rule only, so a ticket in a queue the agent cannot read never appears, nor
counts. The new ticket goes through `tickets.actions.create_ticket`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from relaydesk.accounts.models import Organisation, User, UserKind
from relaydesk.accounts.selectors import customers_matching, organisations_matching
from relaydesk.agent.customer_forms import EMAIL, CustomerSearchForm, NewTicketForm
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.templatetags.agent_lists import ticket_url
from relaydesk.cmdb.actions import link_item
from relaydesk.cmdb.models import ConfigurationItem
from relaydesk.cmdb.permissions import visible_items
from relaydesk.core.errors import DomainError, ValidationFailed
from relaydesk.mail.inbound.customers import customer_for
from relaydesk.tickets.actions import NewArticle, NewAttachment, create_ticket
from relaydesk.tickets.models import ArticleChannel, Channel, SenderKind, Ticket, Visibility
from relaydesk.tickets.selectors import TicketFilters, list_page, parse_sort

PAGE_SIZE = 25
MEMBERS_SHOWN = 50
# Form field names of the action's fields, where they differ.
FORM_FIELDS = {"ticket_type": "ticket_type", "type": "ticket_type", "body_text": "body"}


def _offset(request: AgentRequest, key: str) -> int:
    try:
        return max(0, min(int(request.GET.get(key, "0")), 100_000))
    except ValueError:
        return 0


def _slice(queryset: Any, offset: int) -> tuple[list[Any], int | None]:
    """One page from `offset`, and the next page's offset (None at the end)."""
    rows = list(queryset[offset : offset + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], (offset + PAGE_SIZE if len(rows) > PAGE_SIZE else None)


@agent_required
def customers(request: AgentRequest) -> HttpResponse:
    """Find customers and organisations by name, address or domain."""
    form = CustomerSearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "searched": False}
    if form.is_valid() and form.cleaned_data["q"].strip():
        text = form.cleaned_data["q"]
        people, next_people = _slice(
            customers_matching(text).select_related("organisation"), _offset(request, "from")
        )
        organisations, next_organisations = _slice(
            organisations_matching(text), _offset(request, "org_from")
        )
        context.update(
            searched=True,
            q=text,
            people=people,
            next_people=next_people,
            organisations=organisations,
            next_organisations=next_organisations,
        )
    return render(request, "agent/customers/search.html", context)


def _tickets(request: AgentRequest, filters: TicketFilters) -> dict[str, Any]:
    """A keyset-paged page of the visible tickets that match `filters`, newest change first."""
    try:
        sort = parse_sort(request.GET.get("sort"))
        page = list_page(request.user, filters, sort, request.GET.get("cursor") or None, PAGE_SIZE)
    except ValidationFailed:
        sort = parse_sort(None)
        page = list_page(request.user, filters, sort, None, PAGE_SIZE)
    return {"page": page, "sort": str(sort)}


@agent_required
def customer(request: AgentRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        User.objects.select_related("organisation"), pk=pk, kind=UserKind.CUSTOMER
    )
    context = {"person": person, **_tickets(request, TicketFilters(customers=(person.pk,)))}
    return render(request, "agent/customers/customer.html", context)


@agent_required
def organisation(request: AgentRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Organisation, pk=pk)
    members = company.members.filter(kind=UserKind.CUSTOMER).order_by("email")
    shown = list(members[: MEMBERS_SHOWN + 1])
    context = {
        "organisation": company,
        "members": shown[:MEMBERS_SHOWN],
        "more_members": len(shown) > MEMBERS_SHOWN,
        **_tickets(request, TicketFilters(organisations=(company.pk,))),
    }
    return render(request, "agent/customers/organisation.html", context)


def _attachments(files: list[UploadedFile[Any]]) -> tuple[NewAttachment, ...]:
    return tuple(
        NewAttachment(
            filename=upload.name or "attachment",
            content=upload.read(),
            content_type=upload.content_type or "application/octet-stream",
        )
        for upload in files
    )


def _article(kind: str, data: dict[str, Any], person: User) -> NewArticle:
    files = _attachments(data["attachments"])
    if kind == EMAIL:
        queue = data["queue"]
        return NewArticle(
            body_text=data["body"],
            channel=ArticleChannel.EMAIL,
            sender_kind=SenderKind.AGENT,
            visibility=Visibility.PUBLIC,
            subject=data["title"],
            from_address=queue.email_address,
            to_addresses=person.email,
            attachments=files,
        )
    return NewArticle(
        body_text=data["body"],
        channel=ArticleChannel.PHONE,
        sender_kind=SenderKind.CUSTOMER,
        visibility=Visibility.PUBLIC,
        subject=data["title"],
        from_address=person.email,
        attachments=files,
    )


def _create(request: AgentRequest, form: NewTicketForm) -> Ticket | None:
    data = form.cleaned_data
    person = customer_for(data["customer"])
    if person is None:
        form.add_error("customer", _("This address belongs to no customer and cannot be one."))
        return None
    try:
        # The ticket and its link to the item it is about: both or neither.
        with transaction.atomic():
            ticket = create_ticket(
                actor=request.user,
                via=Channel.WEB,
                title=data["title"],
                queue=data["queue"],
                article=_article(data["kind"], data, person),
                customer=person,
                state=data["state"],
                priority=data["priority"],
                ticket_type=data["ticket_type"],
                owner=data["owner"],
            )
            if data.get("item") is not None:
                link_item(actor=request.user, via=Channel.WEB, ticket=ticket, item=data["item"])
        return ticket
    except ValidationFailed as exc:
        for field, error in exc.errors.items():
            name = FORM_FIELDS.get(field, field)
            form.add_error(name if name in form.fields else None, error)
    except DomainError as exc:
        form.add_error(None, exc.message)
    return None


@agent_required
def ticket_new(request: AgentRequest) -> HttpResponse:
    """A phone ticket or an outgoing email ticket, for a customer."""
    initial: dict[str, Any] = {"kind": request.GET.get("kind") or "phone"}
    chosen = request.GET.get("customer", "")
    if chosen.isdigit():
        person = User.objects.filter(pk=int(chosen), kind=UserKind.CUSTOMER).first()
        if person is not None:
            initial["customer"] = person.email
    about = _item_about(request)
    if about is not None:
        initial["item"] = about.pk
    form = NewTicketForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial, item=about
    )
    if request.method == "POST" and form.is_valid():
        ticket = _create(request, form)
        if ticket is not None:
            messages.success(
                request,
                _("Ticket %(number)s created.") % {"number": ticket.number},
            )
            return redirect(ticket_url(ticket.number))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "item": about}
    return render(request, "agent/customers/ticket_new.html", context, status=status)


def _item_about(request: AgentRequest) -> ConfigurationItem | None:
    """The item a new ticket is about: `?item=` on the way in, the form's field after."""
    chosen = request.POST.get("item") or request.GET.get("item") or ""
    if not chosen.isdigit():
        return None
    return visible_items(request.user).filter(pk=int(chosen)).first()
