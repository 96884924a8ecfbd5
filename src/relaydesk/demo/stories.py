"""The demo's tickets: how many end in which state, and how they get there.

Randomness comes from one seeded generator, so two loads into empty
databases tell the same stories (only ticket numbers and times differ).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable

from relaydesk.core.time import now
from relaydesk.demo import topics
from relaydesk.demo.directory import DemoDirectory
from relaydesk.demo.threads import (
    Thread,
    follow_up,
    note,
    open_ticket,
    open_ticket_by_phone,
    open_ticket_for_customer,
    phone_note,
    reply,
)
from relaydesk.demo.topics import Topic
from relaydesk.tickets.actions import (
    change_state,
    close_ticket,
    default_state,
    link_tickets,
    lock_ticket,
    merge_tickets,
    set_owner,
    set_pending,
    share_ticket,
)
from relaydesk.tickets.models import Channel, LinkKind, StateCategory, Ticket, TicketState

SEED = 20250304
# How many of the ordinary tickets end in each state category. Merged, linked,
# private and phone tickets come on top (see tell_stories).
OUTCOMES = {
    StateCategory.NEW: 10,
    StateCategory.OPEN: 14,
    StateCategory.PENDING_REMINDER: 6,
    StateCategory.PENDING_AUTO_CLOSE: 5,
    StateCategory.RESOLVED: 6,
    StateCategory.CLOSED: 10,
}
MERGED = 4
CONTRACTOR = "ivan.petrov@freelance.example"


def new_thread(
    directory: DemoDirectory, rng: random.Random, index: int, topic: Topic, customer_email: str
) -> Thread:
    words = {
        "floor": str(rng.randint(1, 5)),
        "room": rng.choice(topics.ROOMS),
        "model": rng.choice(topics.MODELS),
    }
    return Thread(
        index=index,
        topic=topic,
        customer=directory.people[customer_email],
        agent=directory.agent_for(topic.queue, rng),
        queue=directory.queues[topic.queue],
        rng=rng,
        words=words,
    )


def _days_ahead(rng: random.Random, low: int, high: int) -> dt.datetime:
    return now() + dt.timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8))


def _finish_open(thread: Thread) -> None:
    roll = thread.rng.random()
    if roll < 0.35:
        lock_ticket(actor=thread.agent, via=Channel.WEB, ticket=thread.current)
    elif roll < 0.55:
        phone_note(thread, topics.PHONE_NOTE)


def _finish_pending_reminder(thread: Thread) -> None:
    reply(thread, thread.rng.choice(topics.PENDING_TEXTS))
    until = _days_ahead(thread.rng, 1, 10)
    set_pending(actor=thread.agent, via=Channel.WEB, ticket=thread.current, pending_until=until)


def _finish_pending_auto_close(thread: Thread) -> None:
    reply(thread, topics.AUTO_CLOSE_TEXT)
    set_pending(
        actor=thread.agent,
        via=Channel.WEB,
        ticket=thread.current,
        state=default_state(StateCategory.PENDING_AUTO_CLOSE),
        pending_until=_days_ahead(thread.rng, 5, 7),
    )


def _finish_resolved(thread: Thread) -> None:
    reply(thread, topics.RESOLVED_TEXT)
    resolved = default_state(StateCategory.RESOLVED)
    change_state(actor=thread.agent, via=Channel.WEB, ticket=thread.current, state=resolved)


def _finish_closed(thread: Thread) -> None:
    if thread.rng.random() < 0.2:
        # The customer says thanks and closes it in the portal.
        close_ticket(actor=thread.customer, via=Channel.PORTAL, ticket=thread.current)
        return
    reply(thread, topics.CLOSED_TEXT)
    # Ordered by position: the first closed state is the default (successful),
    # a later one an alternative such as "closed unsuccessful".
    closed = list(TicketState.objects.filter(category=StateCategory.CLOSED, is_active=True))
    state = closed[-1] if thread.rng.random() < 0.25 else closed[0]
    close_ticket(actor=thread.agent, via=Channel.WEB, ticket=thread.current, state=state)


FINISHERS: dict[StateCategory, Callable[[Thread], None]] = {
    StateCategory.OPEN: _finish_open,
    StateCategory.PENDING_REMINDER: _finish_pending_reminder,
    StateCategory.PENDING_AUTO_CLOSE: _finish_pending_auto_close,
    StateCategory.RESOLVED: _finish_resolved,
    StateCategory.CLOSED: _finish_closed,
}


def work(thread: Thread, outcome: StateCategory) -> None:
    """Answer, note and follow up as fits the outcome, then bring the ticket there."""
    if outcome == StateCategory.NEW:
        if thread.rng.random() < 0.3:
            note(thread, thread.topic.note)
        return
    reply(thread, thread.topic.reply)
    set_owner(actor=thread.agent, via=Channel.WEB, ticket=thread.current, owner=thread.agent)
    if outcome != StateCategory.OPEN or thread.rng.random() < 0.5:
        follow_up(thread, thread.topic.follow_up)
    if thread.rng.random() < 0.6:
        note(thread, thread.topic.note)
    FINISHERS[outcome](thread)


def ordinary_tickets(directory: DemoDirectory, rng: random.Random) -> list[tuple[Thread, str]]:
    """Tickets from every customer in turn, about random topics, ending in shuffled states."""
    outcomes = [category for category, count in OUTCOMES.items() for _ in range(count)]
    rng.shuffle(outcomes)
    customers = [user.email for user in directory.customers]
    done: list[tuple[Thread, str]] = []
    for index, outcome in enumerate(outcomes):
        topic = rng.choice(topics.TOPICS)
        thread = new_thread(directory, rng, index, topic, customers[index % len(customers)])
        via = Channel.EMAIL if rng.random() < 0.7 else Channel.PORTAL
        open_ticket(thread, via=via)
        work(thread, outcome)
        done.append((thread, outcome))
    return done


def duplicates(originals: list[Thread], first_index: int) -> list[Ticket]:
    """The customer wrote twice; the second ticket is merged into the first."""
    merged: list[Ticket] = []
    for offset, original in enumerate(originals):
        body = f"{topics.DUPLICATE_TEXT}\n\n{original.topic.body}"
        thread = dataclasses.replace(
            original,
            index=first_index + offset,
            topic=dataclasses.replace(original.topic, body=body),
            ticket=None,
            message_ids=[],
        )
        duplicate = open_ticket(thread, via=Channel.EMAIL)
        merge_tickets(
            actor=original.agent, via=Channel.WEB, source=duplicate, target=original.current
        )
        merged.append(duplicate)
    return merged


def onboarding(directory: DemoDirectory, rng: random.Random, first_index: int) -> list[Ticket]:
    """A parent request with two child tickets in other queues, linked parent_of."""
    bob = "bob@acme.example"
    parent = new_thread(directory, rng, first_index, topics.ONBOARDING_PARENT, bob)
    # The administrator coordinates: linking needs write access to every queue involved.
    parent.agent = directory.admin
    open_ticket(parent, via=Channel.EMAIL)
    reply(parent, parent.topic.reply)
    made = [parent.current]
    for offset, topic in enumerate(topics.ONBOARDING_CHILDREN, start=1):
        child = new_thread(directory, rng, first_index + offset, topic, bob)
        open_ticket_for_customer(child)
        link_tickets(
            actor=directory.admin,
            via=Channel.WEB,
            source=parent.current,
            target=child.current,
            kind=LinkKind.PARENT_OF,
        )
        note(child, topic.note)
        made.append(child.current)
    laptops, accounts = made[1], made[2]
    opened = default_state(StateCategory.OPEN)
    change_state(actor=directory.admin, via=Channel.WEB, ticket=laptops, state=opened)
    close_ticket(actor=directory.admin, via=Channel.WEB, ticket=accounts)
    return made


def phone_call(directory: DemoDirectory, rng: random.Random, index: int) -> Ticket:
    """Carol calls; the agent opens the ticket, notes the fix and calls back."""
    thread = new_thread(directory, rng, index, topics.PHONE_TOPIC, "carol@globex.example")
    open_ticket_by_phone(thread)
    note(thread, thread.topic.note)
    phone_note(thread, topics.PHONE_NOTE)
    return thread.current


def private_request(directory: DemoDirectory, rng: random.Random, index: int) -> Ticket:
    """Alice asks through the portal that her colleagues do not see this one."""
    thread = new_thread(directory, rng, index, topics.PRIVATE_TOPIC, "alice@acme.example")
    open_ticket(thread, via=Channel.PORTAL, is_private=True)
    reply(thread, thread.topic.reply)
    set_owner(actor=thread.agent, via=Channel.WEB, ticket=thread.current, owner=thread.agent)
    return thread.current


def share_with_contractor(directory: DemoDirectory, worked: list[tuple[Thread, str]]) -> None:
    """Acme's VPN is run by a contractor: an agent shares an open Acme ticket with him."""
    acme = directory.organisations["acme"]
    thread = next(
        t
        for t, outcome in worked
        if outcome == StateCategory.OPEN and t.customer.organisation_id == acme.pk
    )
    share_ticket(
        actor=thread.agent,
        via=Channel.WEB,
        ticket=thread.current,
        user=directory.people[CONTRACTOR],
    )


def tell_stories(directory: DemoDirectory, rng: random.Random) -> list[Ticket]:
    """Every demo ticket, in a fixed order. Returns the tickets made."""
    worked = ordinary_tickets(directory, rng)
    tickets = [thread.current for thread, _ in worked]
    open_threads = [thread for thread, outcome in worked if outcome == StateCategory.OPEN]
    tickets += duplicates(rng.sample(open_threads, MERGED), first_index=len(tickets))
    tickets += onboarding(directory, rng, first_index=len(tickets))
    tickets.append(phone_call(directory, rng, index=len(tickets)))
    tickets.append(private_request(directory, rng, index=len(tickets)))
    share_with_contractor(directory, worked)
    return tickets
