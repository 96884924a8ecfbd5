"""`seed-ui`: many tickets fast, for measuring the agent interface's queries.

The fast path writes what `create_ticket` and the later actions would have
written — tickets with real numbers from the counter (one block reserved in
one statement), their articles, history rows of the same shapes, search
documents (the database computes its index as for the actions) — with bulk
inserts, one transaction per batch. What it skips is the actions' per-ticket
work: checks, lookups, events. Runs are additive: each adds N tickets; the
configuration rows (`bench-ui-…` queues, groups, agents, organisations,
customers) are found or made once. One ticket with a 50-article thread is
made through the actions layer, once, and its number printed every run.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from relaydesk.accounts.models import AgentGroup, Organisation, User, UserKind
from relaydesk.core.ticket_numbers import next_ticket_numbers
from relaydesk.core.time import now
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Channel,
    Priority,
    Queue,
    SenderKind,
    StateCategory,
    Ticket,
    TicketHistory,
    TicketSearchDocument,
    TicketState,
    TicketType,
    Visibility,
)

PREFIX = "bench-ui-"
QUEUES = ("Service desk", "Hardware", "Network", "Accounts", "Facilities", "Software")
ORGANISATIONS = 20
CUSTOMERS_PER_ORGANISATION = 10
AGENTS = 4
BATCH = 2000
LONG_THREAD_TITLE = f"{PREFIX}long thread: the VPN drops every few minutes"
LONG_THREAD_ARTICLES = 50
# share of tickets per state category (rounded into cumulative bands below)
STATE_MIX = (
    (StateCategory.NEW, 0.10),
    (StateCategory.OPEN, 0.20),
    (StateCategory.PENDING_REMINDER, 0.05),
    (StateCategory.PENDING_AUTO_CLOSE, 0.03),
    (StateCategory.RESOLVED, 0.04),
    (StateCategory.CLOSED, 0.58),
)
TOPICS = (
    "printer jammed error 50.2 on floor three",
    "VPN client disconnects after the update",
    "new laptop for a starting colleague",
    "password reset for the payroll system",
    "projector in meeting room Elbe shows no picture",
    "mailbox full, cannot receive invoices",
    "licence for the drawing software expired",
    "air conditioning in the server room is loud",
    "shared drive mapping lost after reboot",
    "phone headset crackles during calls",
)
WORDS = (  # noqa: SIM905 - a sentence is easier to edit than a list
    "urgent invoice customer warehouse monitor docking keyboard outlook calendar teams badge"
    " reception scanner toner firmware backup restore quota wifi guest certificate expired"
    " signature spreadsheet macro"
).split(" ")
_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class World:
    """The configuration the seeded tickets live in."""

    queues: list[Queue]
    agents: list[User]
    customers: list[User]
    states: dict[str, TicketState]
    priorities: list[Priority]
    types: list[TicketType]


def prepare_world() -> World:
    """Find or make the bench-ui configuration (idempotent)."""
    groups = [AgentGroup.objects.get_or_create(name=f"{PREFIX}{name}")[0] for name in QUEUES]
    queues = [
        Queue.objects.get_or_create(
            name=f"{PREFIX}{name}",
            defaults={"group": group, "email_address": f"{PREFIX}{index}@bench.example"},
        )[0]
        for index, (name, group) in enumerate(zip(QUEUES, groups, strict=True))
    ]
    agents = []
    for index in range(AGENTS):
        agent = _user(f"{PREFIX}agent{index}@bench.example", f"Bench Agent {index}", UserKind.AGENT)
        agent.agent_groups.add(*groups)
        agents.append(agent)
    customers = []
    for org_index in range(ORGANISATIONS):
        organisation = Organisation.objects.get_or_create(
            name=f"{PREFIX}organisation {org_index}",
            defaults={"domain": f"org{org_index}.bench.example"},
        )[0]
        for index in range(CUSTOMERS_PER_ORGANISATION):
            email = f"customer{index}@org{org_index}.bench.example"
            customers.append(
                _user(email, f"Customer {org_index}-{index}", UserKind.CUSTOMER, organisation)
            )
    states = {}
    for category, _share in STATE_MIX:
        state = TicketState.objects.filter(category=category, is_active=True).first()
        if state is None:
            raise RuntimeError(f"no active state of category {category}")
        states[str(category)] = state
    return World(
        queues=queues,
        agents=agents,
        customers=customers,
        states=states,
        priorities=list(Priority.objects.order_by("level")),
        types=list(TicketType.objects.filter(is_active=True)),
    )


def _user(email: str, name: str, kind: str, organisation: Organisation | None = None) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email, password=None, name=name, kind=kind, organisation=organisation
        )
    return user


def _category(rng: random.Random) -> str:
    roll = rng.random()
    for category, share in STATE_MIX:
        if roll < share:
            return str(category)
        roll -= share
    return str(StateCategory.CLOSED)


def _address_words(address: str) -> str:
    return f"{address} {_NON_WORD.sub(' ', address)}"


@dataclass
class Planned:
    """One ticket of a batch and the articles it gets, before insertion."""

    ticket: Ticket
    articles: list[Article]
    category: str


def plan_ticket(world: World, rng: random.Random, number: str, at: dt.datetime) -> Planned:
    """A ticket in a random state with a plausible thread and consistent timestamps."""
    category = _category(rng)
    customer = rng.choice(world.customers)
    queue = rng.choice(world.queues)
    topic = rng.choice(TOPICS)
    title = f"{topic} ({' '.join(rng.sample(WORDS, 2))})"
    created = at - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
    text = f"Hello, {topic}. {' '.join(rng.sample(WORDS, 6))}. Ticket reference {number[-6:]}."
    articles = [_article(customer, queue, SenderKind.CUSTOMER, title, text, created)]
    ticket = Ticket(
        number=number,
        title=title,
        queue=queue,
        state=world.states[category],
        priority=rng.choice(world.priorities[1:4]) if rng.random() < 0.9 else world.priorities[-1],
        type=rng.choice(world.types) if rng.random() < 0.7 else None,
        customer=customer,
        organisation_id=customer.organisation_id,
        created_at=created,
        last_customer_contact_at=created,
    )
    moment = created
    if category != StateCategory.NEW:
        agent = rng.choice(world.agents)
        ticket.owner = agent
        moment += dt.timedelta(minutes=rng.randrange(5, 60 * 48))
        articles.append(
            _article(agent, queue, SenderKind.AGENT, title, "We are looking into it.", moment)
        )
        ticket.first_response_at = ticket.last_agent_contact_at = moment
        if category == StateCategory.OPEN and rng.random() < 0.5:
            moment += dt.timedelta(minutes=rng.randrange(5, 60 * 24))
            follow_up = "Any news? It happened again this morning."
            articles.append(
                _article(customer, queue, SenderKind.CUSTOMER, title, follow_up, moment)
            )
            ticket.last_customer_contact_at = moment
        ticket.is_locked = category == StateCategory.OPEN and rng.random() < 0.3
        ticket.locked_at = moment if ticket.is_locked else None
    if category in (StateCategory.PENDING_REMINDER, StateCategory.PENDING_AUTO_CLOSE):
        ticket.pending_until = at + dt.timedelta(hours=rng.randrange(-72, 72))
    if category == StateCategory.CLOSED:
        moment += dt.timedelta(minutes=rng.randrange(5, 60 * 72))
        ticket.closed_at = moment
    ticket.updated_at = min(moment, at)
    return Planned(ticket, articles, category)


def _article(
    author: User, queue: Queue, sender: str, title: str, text: str, at: dt.datetime
) -> Article:
    customer_wrote = sender == SenderKind.CUSTOMER
    return Article(
        channel=ArticleChannel.EMAIL,
        sender_kind=sender,
        author=author,
        visibility=Visibility.PUBLIC,
        from_address=author.email if customer_wrote else queue.email_address,
        to_addresses=queue.email_address if customer_wrote else "",
        subject=title,
        body_text=text,
        created_at=at,
    )


def _history(planned: Planned, world: World) -> list[TicketHistory]:
    """The rows create_ticket writes, then those of the reply, state, owner and lock changes."""
    ticket = planned.ticket
    first, *later = planned.articles
    new_state = world.states[str(StateCategory.NEW)]
    created = [
        ("title", ticket.title),
        ("queue", ticket.queue.name),
        ("state", new_state.name),
        ("priority", ticket.priority.name),
        ("type", ticket.type.name if ticket.type else ""),
        ("customer", ticket.customer.email if ticket.customer else ""),
    ]
    rows = [
        _row(ticket, first.author, "create", field, "", value, ticket.created_at)
        for field, value in created
        if value
    ]
    rows.append(_row(ticket, first.author, "article", "article", "", _ref(first), first.created_at))
    for article in later:
        rows.append(
            _row(
                ticket, article.author, "article", "article", "", _ref(article), article.created_at
            )
        )
    if ticket.owner is not None:
        at = later[0].created_at
        rows.append(_row(ticket, ticket.owner, "update", "owner", "", ticket.owner.email, at))
        if planned.category != StateCategory.OPEN:
            rows.append(
                _row(ticket, ticket.owner, "update", "state", "open", ticket.state.name, at)
            )
        else:
            rows.append(_row(ticket, ticket.owner, "update", "state", "new", "open", at))
    if ticket.is_locked:
        rows.append(_row(ticket, ticket.owner, "lock", "is_locked", "no", "yes", ticket.locked_at))
    return rows


def _ref(article: Article) -> str:
    return f"{article.pk} (email, public)"


def _row(
    ticket: Ticket, actor: User | None, action: str, field: str, old: str, new: str, at: Any
) -> TicketHistory:
    return TicketHistory(
        ticket=ticket,
        actor=actor,
        channel=Channel.EMAIL if action == "create" else Channel.WEB,
        action=action,
        field=field,
        old_value=old,
        new_value=new,
        at=at,
    )


def _document(planned: Planned) -> TicketSearchDocument:
    """The shape search.build_document gives: head (number, title, people), public text."""
    ticket = planned.ticket
    customer = ticket.customer
    head = [ticket.number, ticket.title]
    if customer is not None:
        head += [customer.name, _address_words(customer.email)]
    body = []
    for article in planned.articles:
        head += [_address_words(article.from_address), article.to_addresses]
        body += [article.subject, article.body_text]
    return TicketSearchDocument(
        ticket=ticket,
        head=" ".join(part for part in head if part),
        body="\n".join(body),
        internal="",
    )


def seed_batch(world: World, rng: random.Random, count: int) -> None:
    """Insert `count` tickets with everything that goes with them, in one transaction."""
    at = now()
    with transaction.atomic():
        planned = [plan_ticket(world, rng, number, at) for number in next_ticket_numbers(count)]
        Ticket.objects.bulk_create([item.ticket for item in planned])
        articles = []
        for item in planned:
            for article in item.articles:
                article.ticket = item.ticket
                articles.append(article)
        Article.objects.bulk_create(articles)
        history = [row for item in planned for row in _history(item, world)]
        TicketHistory.objects.bulk_create(history)
        TicketSearchDocument.objects.bulk_create([_document(item) for item in planned])


def long_thread(world: World) -> Ticket:
    """The ticket with a 50-article thread, through the actions layer; made once."""
    from relaydesk.tickets.actions import NewArticle, add_article, create_ticket

    existing = Ticket.objects.filter(title=LONG_THREAD_TITLE).first()
    if existing is not None:
        return existing
    customer, agent = world.customers[0], world.agents[0]
    ticket = create_ticket(
        actor=customer,
        via=Channel.EMAIL,
        title=LONG_THREAD_TITLE,
        queue=world.queues[0],
        article=NewArticle(body_text="The VPN drops every few minutes.", channel="email"),
    )
    for index in range(1, LONG_THREAD_ARTICLES):
        by_agent = index % 2 == 1
        internal = by_agent and index % 6 == 5
        article = NewArticle(
            body_text=f"Message {index} of the thread: " + " ".join(WORDS[index % 10 :][:8]),
            channel=ArticleChannel.NOTE if internal else ArticleChannel.EMAIL,
            visibility=Visibility.INTERNAL if internal else Visibility.PUBLIC,
        )
        add_article(
            actor=agent if by_agent else customer,
            via=Channel.WEB if by_agent else Channel.EMAIL,
            ticket=ticket,
            article=article,
        )
    return ticket


def seed(
    n: int, progress: Callable[[str], None], *, seed_value: int | None = None
) -> dict[str, Any]:
    """Add `n` tickets; returns the figures the command prints."""
    world = prepare_world()
    rng = random.Random(seed_value if seed_value is not None else time.time_ns())
    started = time.perf_counter()
    done = 0
    while done < n:
        count = min(BATCH, n - done)
        seed_batch(world, rng, count)
        done += count
        progress(f"seed-ui: {done}/{n} tickets")
    wall = time.perf_counter() - started
    thread = long_thread(world)
    return {
        "op": "seed-ui",
        "n": n,
        "per_s": round(n / wall, 1) if wall else 0.0,
        "wall_s": round(wall, 2),
        "tickets_total": Ticket.objects.count(),
        "long_thread_number": thread.number,
        "agent": world.agents[0].email,
    }
