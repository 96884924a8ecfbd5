"""Who hears about what, once a ticket event has happened.

subscribers.py hands each event to a task (outbound_tasks.py), which calls
one of the `notify_*` functions here with ids. They re-read what they need,
write the outbox rows in one transaction and leave the sending to the send
task (outbox.py). `event_key` names the event: a task that runs twice finds
the rows of its first run and writes none again.

To the customer and participants: the acknowledgement of a new ticket (when
the queue wants one), every public agent article (also to its Cc addresses),
the move to a resolved or closed state. To a forward's recipient: the forward.
To agents: a new ticket in their queues, a customer follow-up to
a ticket they own, a ticket made theirs, a pending reminder reached.
"""

from __future__ import annotations

from django.conf import settings

from relaydesk.accounts.models import User
from relaydesk.mail.models import OutboundMessage
from relaydesk.mail.outbound import limits
from relaydesk.mail.outbound.kinds import MailKind
from relaydesk.mail.outbound.outbox import Mail, queue_mail
from relaydesk.mail.outbound.recipients import (
    address_recipient,
    agent_recipients,
    cc_recipients,
    customer_recipients,
    queue_watchers,
)
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    SenderKind,
    StateCategory,
    Ticket,
    TicketState,
    Visibility,
)

STATE_KINDS = {StateCategory.RESOLVED: MailKind.RESOLVED, StateCategory.CLOSED: MailKind.CLOSED}


def _ticket(ticket_id: int) -> Ticket | None:
    return (
        Ticket.objects.select_related("queue", "state", "customer", "owner")
        .filter(pk=ticket_id)
        .first()
    )


def _article(article_id: int) -> Article | None:
    return Article.objects.select_related("author").filter(pk=article_id).first()


def _user(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id is not None else None


def _excluded(*users: User | None) -> set[int]:
    return {user.pk for user in users if user is not None}


def is_public_agent_article(article: Article) -> bool:
    """Read from the stored row, not the event: an internal article never goes out."""
    return article.visibility == Visibility.PUBLIC and article.sender_kind == SenderKind.AGENT


def default_language() -> str:
    return str(settings.LANGUAGE_CODE).split("-")[0] or "en"


def send_reply(ticket: Ticket, article: Article, event_key: str) -> list[OutboundMessage]:
    """The agent's public article itself, to everyone on the customer side but its
    author, and to the addresses the agent put in Cc (reply all)."""
    if not is_public_agent_article(article):
        return []
    recipients = customer_recipients(ticket, exclude_user_ids=_excluded(article.author))
    if article.cc_addresses:
        customer = ticket.customer
        language = (customer.language if customer is not None else "") or default_language()
        author = article.author.email.strip().lower() if article.author is not None else ""
        # The author is skipped like above; our own queue addresses never get mail.
        recipients += cc_recipients(
            article.cc_addresses,
            language=language,
            skip=recipients,
            own=limits.own_addresses() | {author},
        )
    return queue_mail(
        Mail(ticket, MailKind.REPLY, article, article.author, event_key=event_key), recipients
    )


def acknowledge(ticket: Ticket, article: Article, event_key: str) -> list[OutboundMessage]:
    """The acknowledgement of a ticket a customer opened, when the queue wants one.

    One opened by automatic mail gets none: outbox.py stores it as suppressed.
    """
    if not ticket.queue.auto_acknowledge or article.sender_kind != SenderKind.CUSTOMER:
        return []
    recipients = customer_recipients(ticket, exclude_user_ids=set())
    mail = Mail(ticket, MailKind.ACKNOWLEDGEMENT, article, article.author, event_key=event_key)
    return queue_mail(mail, recipients)


def notify_queue_agents(
    ticket: Ticket, article: Article, actor: User | None, event_key: str
) -> None:
    recipients = agent_recipients(
        queue_watchers(ticket), ticket, MailKind.NEW_TICKET, exclude_user_ids=_excluded(actor)
    )
    queue_mail(Mail(ticket, MailKind.NEW_TICKET, article, actor, event_key=event_key), recipients)


def is_forward(article: Article) -> bool:
    """Read from the stored row: an agent's email article addressed outside the ticket."""
    return (
        article.channel == ArticleChannel.EMAIL
        and article.sender_kind == SenderKind.AGENT
        and bool(article.to_addresses.strip())
    )


def send_forward(*, article_id: int, event_key: str) -> list[OutboundMessage]:
    """The agent's forward, once, to the one address it was forwarded to.

    Written by a person: not automatic, but our own queue addresses are still
    refused (limits.py stores it as suppressed).
    """
    article = _article(article_id)
    if article is None or not is_forward(article):
        return []
    ticket = _ticket(article.ticket_id)
    if ticket is None:
        return []
    agent = article.author
    language = (agent.language if agent is not None else "") or default_language()
    recipient = address_recipient(article.to_addresses, language=language)
    if recipient is None:
        return []
    mail = Mail(ticket, MailKind.FORWARD, article, agent, event_key=event_key)
    return queue_mail(mail, [recipient])


def notify_ticket_created(
    *, ticket_id: int, article_id: int, actor_id: int | None, event_key: str
) -> None:
    ticket, article = _ticket(ticket_id), _article(article_id)
    if ticket is None or article is None:
        return
    if article.sender_kind == SenderKind.AGENT:
        # An agent opening a ticket by writing to the customer: that article goes out.
        send_reply(ticket, article, event_key)
    else:
        acknowledge(ticket, article, event_key)
    notify_queue_agents(ticket, article, _user(actor_id), event_key)


def notify_owner_of_follow_up(ticket: Ticket, article: Article, event_key: str) -> None:
    """The owner hears of a customer's follow-up (a locked ticket always has one)."""
    if ticket.owner is None:
        return
    recipients = agent_recipients(
        [ticket.owner], ticket, MailKind.FOLLOW_UP, exclude_user_ids=_excluded(article.author)
    )
    mail = Mail(ticket, MailKind.FOLLOW_UP, article, article.author, event_key=event_key)
    queue_mail(mail, recipients)


def notify_article_added(*, article_id: int, event_key: str) -> None:
    article = _article(article_id)
    if article is None:
        return
    ticket = _ticket(article.ticket_id)  # the article's ticket: a merge may have moved it
    if ticket is None:
        return
    if article.sender_kind == SenderKind.AGENT:
        send_reply(ticket, article, event_key)
    elif article.sender_kind == SenderKind.CUSTOMER:
        notify_owner_of_follow_up(ticket, article, event_key)


def notify_state(ticket: Ticket, state_name: str, actor: User | None, event_key: str) -> None:
    state = TicketState.objects.filter(name=state_name).first()
    kind = STATE_KINDS.get(StateCategory(state.category)) if state is not None else None
    if kind is None:
        return
    recipients = customer_recipients(ticket, exclude_user_ids=_excluded(actor))
    queue_mail(Mail(ticket, kind, None, actor, event_key=event_key), recipients)


def notify_new_owner(ticket: Ticket, owner_email: str, actor: User | None, event_key: str) -> None:
    owner = ticket.owner
    if owner is None or owner.email != owner_email:
        return  # the owner changed again meanwhile; that change sends its own mail
    recipients = agent_recipients(
        [owner], ticket, MailKind.OWNER_CHANGED, exclude_user_ids=_excluded(actor)
    )
    mail = Mail(ticket, MailKind.OWNER_CHANGED, None, actor, event_key=event_key)
    queue_mail(mail, recipients)


NOTIFIED_FIELDS = ("state", "owner")


def notify_ticket_changed(
    *, ticket_id: int, field: str, new: str, actor_id: int | None, event_key: str
) -> None:
    """`new` as the event has it: the state's name, the owner's address."""
    if field not in NOTIFIED_FIELDS:
        return
    ticket = _ticket(ticket_id)
    if ticket is None:
        return
    actor = _user(actor_id)
    if field == "state":
        notify_state(ticket, new, actor, event_key)
    else:
        notify_new_owner(ticket, new, actor, event_key)


def notify_pending_reminder(ticket_id: int, event_key: str = "") -> list[OutboundMessage]:
    """For the pending-reminder job (a later issue): the owner, else the queue's agents."""
    ticket = _ticket(ticket_id)
    if ticket is None:
        return []
    candidates = [ticket.owner] if ticket.owner is not None else queue_watchers(ticket)
    recipients = agent_recipients(
        candidates, ticket, MailKind.PENDING_REMINDER, exclude_user_ids=set()
    )
    return queue_mail(Mail(ticket, MailKind.PENDING_REMINDER, event_key=event_key), recipients)
