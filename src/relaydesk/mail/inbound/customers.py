"""Who wrote a mail, and turning addresses into customers.

A sender is identified by the From address only (a display name that looks
like an address is never the sender: SECURITY.md class 7). An unknown address
becomes a customer: unusable password, address unconfirmed
(`email_verified_at` None), name from the display name, organisation from an
organisation whose `domain` is the address's domain (exactly one, active).
Such an account cannot sign in until its owner resets the password through
that very address, so a forged From gains no portal access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower

from relaydesk.accounts.models import Organisation, User, UserKind
from relaydesk.core.lookups import recall, remember
from relaydesk.mail.inbound.routing import normalise
from relaydesk.tickets.actions import share_ticket
from relaydesk.tickets.models import Channel, Ticket

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 200
# A Cc list of hundreds must not mint hundreds of accounts in one go.
MAX_NEW_PARTICIPANTS = 20
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Sender:
    """The From of a mail: the address, the display name, and the user it belongs to."""

    address: str  # "" when the mail names no usable sender
    name: str
    user: User | None  # an existing user (agent or customer, maybe inactive)
    is_own: bool  # one of our own queue addresses: mail from ourselves

    @property
    def is_agent(self) -> bool:
        return self.user is not None and self.user.is_active and self.user.is_agent

    @property
    def customer(self) -> User | None:
        """The sender as an active customer, if that is what they are."""
        user = self.user
        if user is not None and user.is_active and user.is_customer:
            return user
        return None


def is_usable_address(address: str) -> bool:
    return len(address) <= EMAIL_MAX_LENGTH and _ADDRESS.match(address) is not None


def clean_name(name: str, address: str) -> str:
    """A display name fit for a user's name; one that looks like an address is dropped."""
    text = _CONTROL.sub(" ", name).strip().strip('"').strip()
    if "@" in text or normalise(text) == normalise(address):
        return ""
    return text[:NAME_MAX_LENGTH]


def find_user(address: str) -> User | None:
    """The user with this address, ignoring case (uses the lower(email) unique index).

    Inside `remembered()` (a batch of mail) a user found or created once is
    remembered; an address nobody has is asked again, as it may be created.
    """
    if not address:
        return None
    known: User | None = recall(_user_key(address))
    if known is not None:
        return known
    user = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=Lower(Value(address)))
        .first()
    )
    if user is not None:
        remember(_user_key(address), user)
    return user


def remember_users(addresses: Iterable[str]) -> None:
    """Look up the users of many addresses in one query, for `find_user` to recall."""
    wanted = {normalise(address) for address in addresses if address}
    if not wanted:
        return
    users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted)
    for user in users:
        remember(_user_key(user.email), user)


def _user_key(address: str) -> tuple[str, str]:
    return ("user", normalise(address))


def identify_sender(address: str, name: str, own: frozenset[str]) -> Sender:
    address = address.strip()
    if address and normalise(address) in own:  # ours, even where it is not a public address
        return Sender(address=address, name="", user=None, is_own=True)
    if not is_usable_address(address):
        return Sender(address="", name="", user=None, is_own=False)
    user = find_user(address)
    return Sender(address=address, name=clean_name(name, address), user=user, is_own=False)


def organisation_for(address: str) -> Organisation | None:
    """The one active organisation mapped to the address's domain (none if ambiguous)."""
    domain = address.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    matches = list(
        Organisation.objects.filter(
            Q(domain__iexact=domain) | Q(domain__iexact=f"@{domain}"), is_active=True
        )[:2]
    )
    return matches[0] if len(matches) == 1 else None


def customer_for(address: str, name: str = "") -> User | None:
    """The active customer with this address, created if unknown; None for agents,
    deactivated users and unusable addresses."""
    if not is_usable_address(address):
        return None
    user = find_user(address)
    if user is None:
        user = create_customer(address, clean_name(name, address))
    if user.is_active and user.is_customer:
        return user
    return None


def create_customer(address: str, name: str) -> User:
    """A customer known only from mail. A concurrent creator of the same address wins."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                address,
                password=None,
                name=name,
                kind=UserKind.CUSTOMER,
                organisation=organisation_for(address),
                email_verified_at=None,
            )
        remember(_user_key(address), user)
        return user
    except IntegrityError:
        existing = find_user(address)
        if existing is None:
            raise
        return existing


def add_participants(
    ticket: Ticket, addresses: Iterable[str], *, exclude: Iterable[str]
) -> list[User]:
    """Share the ticket with the customers among `addresses` (created if unknown).

    Agents, deactivated users and `exclude` (our addresses, the requester, the
    sender) are passed over. Done as the system: the queue's setting decided.
    """
    skipped = {normalise(address) for address in exclude}
    added: list[User] = []
    for address in addresses:
        key = normalise(address)
        if key in skipped or not is_usable_address(address.strip()):
            continue
        skipped.add(key)
        if len(added) >= MAX_NEW_PARTICIPANTS:
            break
        person = customer_for(address.strip())
        if person is None or person.pk == ticket.customer_id:
            continue
        share_ticket(actor=None, via=Channel.EMAIL, ticket=ticket, user=person)
        added.append(person)
    return added
