"""What a mail does to tickets: open one, or follow up on one (issue 3, points 4–7).

Every change goes through the actions layer. The rules, in the order applied
to a mail that threads into a ticket:

- a bounce (delivery report) is recorded on the ticket as an internal system
  article with `is_bounce`; mail from one of our own addresses and automatic
  mail (out of office, Auto-Submitted, bulk, list) likewise, with
  `is_auto_reply`. Internal articles never change the state, so an
  out-of-office answering our notification cannot reopen a ticket.
- an active agent with write access in the ticket's queue adds an agent
  article. It is public only when the ticket's customer or a participant was
  among the mail's recipients (the customer has it already, so showing it
  hides nothing and adds nothing); otherwise — a reply to a notification, a
  mail to the desk alone — it is an internal note. A forged agent From thus
  never puts words in the desk's mouth towards a customer.
- a customer who may see the ticket (requester, participant, member of the
  ticket's organisation unless it is private) follows up as themselves:
  pending and resolved tickets open again, closed ones reopen locked to their
  previous owner — or, where the queue says so (new ticket, or closed longer
  than its reopen window), a new ticket linked to the old one opens; a queue
  that refuses follow-ups gets the mail as an internal note flagged for review.
- anyone else is a stranger to the ticket (SECURITY.md class 7), handled by the
  queue's `unknown_sender_policy`: review (internal article, flagged), append
  (a customer article without author) or new_ticket (linked to the old one).

Cc'd customers become participants (queue setting `cc_become_participants`)
only on trusted, non-automatic mail from the requester or an agent — never
from a stranger or a colleague, whose Cc would otherwise be a way into
someone else's ticket (sharing is the requester's to decide, as in the portal).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from relaydesk.accounts.models import User
from relaydesk.core.errors import PermissionDenied
from relaydesk.mail.inbound.compose import mail_article, title_of
from relaydesk.mail.inbound.customers import (
    Sender,
    add_participants,
    create_customer,
    customer_for,
    identify_sender,
)
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.inbound.routing import (
    Route,
    normalise,
    own_addresses,
    queues_by_address,
    route,
)
from relaydesk.mail.inbound.thread import Match, MatchMethod, external_number_in, find_ticket
from relaydesk.mail.models import InboundMessage, InboundStatus
from relaydesk.tickets import permissions
from relaydesk.tickets.actions import (
    NewArticle,
    NewTicket,
    TicketClosed,
    add_article,
    create_many,
    link_tickets,
    resolve_fields,
)
from relaydesk.tickets.models import (
    AccessLevel,
    Article,
    Channel,
    LinkKind,
    Queue,
    ReopenPolicy,
    SenderKind,
    Ticket,
    UnknownSenderPolicy,
    Visibility,
)

# Review reasons and notes are data for agents and operators (like history):
# stored in English, never translated at write time.
REVIEW_STRANGER = (
    "{address} is not the requester, a participant, a member of the ticket's "
    "organisation or an agent"
)
REVIEW_NO_SENDER = "the mail names no usable sender address"
REVIEW_OWN_ADDRESS = "sent from our own address {address}"
REVIEW_DEACTIVATED = "{address} belongs to a deactivated account"
REVIEW_CLOSED = "ticket {number} is closed and its queue takes no follow-ups"
REVIEW_LOCKED = "ticket {number} is locked by another agent, who alone may reply"
REVIEW_AGENT_NO_ACCESS = "{address} is an agent without write access to queue {queue}"
NOTE_CLOSED = "follow-up to closed ticket {number}: opened a new ticket linked to it"
NOTE_STRANGER = "{address} is a stranger to ticket {number}: opened a new ticket linked to it"


@dataclass(frozen=True)
class Outcome:
    """What processing made of a mail, for the InboundMessage row."""

    status: InboundStatus
    ticket: Ticket
    article: Article
    method: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Mail:
    """A parsed mail with what every decision reads, gathered once."""

    parsed: ParsedMail
    raw_sha256: str
    sender: Sender
    route: Route
    own: frozenset[str]

    def article(
        self,
        sender_kind: SenderKind,
        visibility: Visibility = Visibility.PUBLIC,
        review_reason: str = "",
    ) -> NewArticle:
        return mail_article(
            self.parsed,
            raw_sha256=self.raw_sha256,
            sender_kind=sender_kind,
            visibility=visibility,
            review_reason=review_reason,
        )


@dataclass(frozen=True)
class FirstArticle:
    """How a new ticket starts: who acts, who the customer is, the article."""

    actor: User | None
    customer: User | None
    article: NewArticle
    trusted: bool  # may its Cc list add participants?


@dataclass(frozen=True)
class Planned:
    """A new ticket decided on, not opened yet: the request and what follows it."""

    request: NewTicket
    first: FirstArticle
    value: str  # how it was routed, for the inbound row


@dataclass(frozen=True)
class Deferred:
    """A mail that opens a new ticket, left for the batch to open with others (batch.py)."""

    mail: Mail
    planned: Planned


def deliver(
    parsed: ParsedMail, inbound: InboundMessage, *, defer: bool = False
) -> Outcome | Deferred:
    """Open a ticket or follow up on one; the caller holds the transaction.

    With `defer`, a mail that simply opens a new ticket is returned as Deferred
    instead, for the caller to open with `open_planned` (several at once).
    """
    by_address = queues_by_address()
    own = own_addresses(by_address)
    mail = Mail(
        parsed=parsed,
        raw_sha256=inbound.raw_sha256,
        sender=identify_sender(parsed.from_address, parsed.from_name, own),
        route=route(parsed, inbound, by_address),
        own=own,
    )
    match = find_ticket(parsed, mail.route.addressed)
    if match is None:
        if defer:
            return Deferred(mail, plan_ticket(mail))
        return open_ticket(mail)
    return follow_up(mail, match)


# --- new tickets -------------------------------------------------------------------


def plan_ticket(mail: Mail, queue: Queue | None = None) -> Planned:
    """Everything a new ticket from this mail needs, in `queue` (default: the routed one)."""
    target = queue or mail.route.queue
    first = first_article(mail, target)
    fields = resolve_fields(
        first.actor,
        title=title_of(mail.parsed),
        queue=target,
        customer=first.customer,
        external_number=external_number_in(target, mail.parsed.subject) or "",
    )
    value = mail.route.value if queue is None else f"queue:{target.name}"
    return Planned(NewTicket(first.actor, Channel.EMAIL, fields, first.article), first, value)


def open_ticket(
    mail: Mail, *, queue: Queue | None = None, related: Ticket | None = None, note: str = ""
) -> Outcome:
    """A new ticket from this mail, in `queue` (default: the routed one)."""
    planned = plan_ticket(mail, queue)
    ticket, article = create_many([planned.request])[0]
    return opened(mail, planned, ticket, article, related=related, note=note)


def open_planned(deferred: Sequence[Deferred]) -> list[Outcome]:
    """Open the deferred mails' tickets together (one statement per table)."""
    created = create_many([item.planned.request for item in deferred])
    return [
        opened(item.mail, item.planned, ticket, article)
        for item, (ticket, article) in zip(deferred, created, strict=True)
    ]


def opened(
    mail: Mail,
    planned: Planned,
    ticket: Ticket,
    article: Article,
    *,
    related: Ticket | None = None,
    note: str = "",
) -> Outcome:
    """What follows a new ticket's creation: the link to its predecessor, the Cc'd."""
    if related is not None:
        link_tickets(
            actor=None, via=Channel.EMAIL, source=ticket, target=related, kind=LinkKind.RELATES_TO
        )
    if planned.first.trusted:
        add_cc_participants(mail, ticket)
    return Outcome(
        InboundStatus.NEW_TICKET, ticket, article, MatchMethod.NEW_TICKET, planned.value, note
    )


def first_article(mail: Mail, queue: Queue) -> FirstArticle:
    sender, parsed = mail.sender, mail.parsed
    system = SenderKind.SYSTEM
    if parsed.is_bounce:
        return FirstArticle(None, None, mail.article(system, Visibility.INTERNAL), trusted=False)
    if sender.is_own:
        review = REVIEW_OWN_ADDRESS.format(address=sender.address)
        return FirstArticle(None, None, mail.article(system, Visibility.INTERNAL, review), False)
    if sender.is_agent and sender.user is not None:
        return agent_first_article(mail, queue, sender.user)
    if not sender.address:
        return FirstArticle(
            None, None, mail.article(SenderKind.CUSTOMER, review_reason=REVIEW_NO_SENDER), False
        )
    if sender.user is not None and sender.customer is None:
        review = REVIEW_DEACTIVATED.format(address=sender.address)
        return FirstArticle(
            None, None, mail.article(SenderKind.CUSTOMER, review_reason=review), False
        )
    # The sender was looked up already: an unknown one is created without a second look.
    customer = sender.customer or create_customer(sender.address, sender.name)
    if not (customer.is_active and customer.is_customer):  # lost a race to an agent's account
        return FirstArticle(None, None, mail.article(SenderKind.CUSTOMER), False)
    trusted = not parsed.is_automatic
    return FirstArticle(customer, customer, mail.article(SenderKind.CUSTOMER), trusted)


def agent_first_article(mail: Mail, queue: Queue, agent: User) -> FirstArticle:
    """An agent writing to a queue: the first customer among the recipients is the
    customer (the agent wrote to them and copied the desk)."""
    customer = next(
        (
            person
            for address in (*mail.parsed.to, *mail.parsed.cc)
            if normalise(address) not in mail.own
            and (person := customer_for(address.strip())) is not None
        ),
        None,
    )
    visibility = Visibility.PUBLIC if customer is not None else Visibility.INTERNAL
    if permissions.queue_level(agent, queue) >= AccessLevel.WRITE:
        return FirstArticle(agent, customer, mail.article(SenderKind.AGENT, visibility), True)
    review = REVIEW_AGENT_NO_ACCESS.format(address=mail.sender.address, queue=queue.name)
    article = mail.article(SenderKind.AGENT, Visibility.INTERNAL, review)
    return FirstArticle(None, customer, article, trusted=False)


# --- follow-ups --------------------------------------------------------------------


def follow_up(mail: Mail, match: Match) -> Outcome:
    sender, parsed, ticket = mail.sender, mail.parsed, match.ticket
    if parsed.is_bounce:
        return system_note(mail, match)
    if sender.is_own:
        return system_note(mail, match, REVIEW_OWN_ADDRESS.format(address=sender.address))
    if parsed.is_automatic:
        return system_note(mail, match)
    agent = sender.user if sender.is_agent else None
    if agent is not None and permissions.queue_level(agent, ticket.queue) >= AccessLevel.WRITE:
        return agent_follow_up(mail, match, agent)
    customer = sender.customer
    if customer is not None and permissions.can_read(customer, ticket):
        return customer_follow_up(mail, match, customer)
    return stranger_follow_up(mail, match)


def followed(match: Match, article: Article, note: str = "") -> Outcome:
    return Outcome(
        InboundStatus.FOLLOW_UP, article.ticket, article, match.method, match.value, note
    )


def system_note(mail: Mail, match: Match, review: str = "") -> Outcome:
    """Recorded for agents only; internal articles leave the state alone."""
    article = mail.article(SenderKind.SYSTEM, Visibility.INTERNAL, review)
    row = add_article(actor=None, via=Channel.EMAIL, ticket=match.ticket, article=article)
    return followed(match, row)


def customer_follow_up(mail: Mail, match: Match, customer: User) -> Outcome:
    article = mail.article(SenderKind.CUSTOMER)
    try:
        row = add_article(actor=customer, via=Channel.EMAIL, ticket=match.ticket, article=article)
    except TicketClosed:
        return closed_follow_up(mail, match)
    # Sharing is the requester's to decide (as in the portal): a participant's or a
    # colleague's Cc does not open someone else's ticket to more people.
    if row.ticket.customer_id == customer.pk:
        add_cc_participants(mail, row.ticket)
    return followed(match, row)


def closed_follow_up(mail: Mail, match: Match) -> Outcome:
    """The queue does not reopen this closed ticket: a linked new one, or a flagged note."""
    ticket = match.ticket
    if ticket.queue.reopen_policy == ReopenPolicy.REFUSE:
        return system_note(mail, match, REVIEW_CLOSED.format(number=ticket.number))
    queue = ticket.queue if ticket.queue.is_active else mail.route.queue
    note = NOTE_CLOSED.format(number=ticket.number)
    return open_ticket(mail, queue=queue, related=ticket, note=note)


def stranger_follow_up(mail: Mail, match: Match) -> Outcome:
    ticket, sender = match.ticket, mail.sender
    policy = ticket.queue.unknown_sender_policy
    if policy == UnknownSenderPolicy.APPEND:
        article = mail.article(SenderKind.CUSTOMER)
        try:
            row = add_article(actor=None, via=Channel.EMAIL, ticket=ticket, article=article)
        except TicketClosed:
            return closed_follow_up(mail, match)
        return followed(match, row)
    if policy == UnknownSenderPolicy.NEW_TICKET:
        queue = ticket.queue if ticket.queue.is_active else mail.route.queue
        note = NOTE_STRANGER.format(address=sender.address or "?", number=ticket.number)
        return open_ticket(mail, queue=queue, related=ticket, note=note)
    review = REVIEW_STRANGER.format(address=sender.address) if sender.address else REVIEW_NO_SENDER
    return system_note(mail, match, review)


def agent_follow_up(mail: Mail, match: Match, agent: User) -> Outcome:
    ticket = match.ticket
    public = customer_was_recipient(mail.parsed, ticket)
    article = mail.article(SenderKind.AGENT, Visibility.PUBLIC if public else Visibility.INTERNAL)
    try:
        row = add_article(actor=agent, via=Channel.EMAIL, ticket=ticket, article=article)
    except PermissionDenied:
        if not public:
            raise
        # Locked by another agent: only the owner may reply publicly; keep it as a note.
        review = REVIEW_LOCKED.format(number=ticket.number)
        note = dataclasses.replace(article, visibility=Visibility.INTERNAL, review_reason=review)
        row = add_article(actor=agent, via=Channel.EMAIL, ticket=ticket, article=note)
    add_cc_participants(mail, row.ticket)
    return followed(match, row)


def customer_was_recipient(parsed: ParsedMail, ticket: Ticket) -> bool:
    """Did the ticket's customer or a participant receive this mail directly?"""
    recipients = {normalise(address) for address in (*parsed.to, *parsed.cc)}
    if not recipients:
        return False
    people = User.objects.filter(Q(pk=ticket.customer_id) | Q(shared_tickets=ticket))
    return any(normalise(email) in recipients for email in people.values_list("email", flat=True))


def add_cc_participants(mail: Mail, ticket: Ticket) -> None:
    if not ticket.queue.cc_become_participants or not mail.parsed.cc:
        return
    add_participants(ticket, mail.parsed.cc, exclude={*mail.own, mail.sender.address})
