"""The rows every benchmark needs, all named `bench-…` so they are easy to find.

Configuration rows (organisation, customer, group, queue) are written
directly; tickets only ever through the actions layer or, for the floor,
with plain SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk.accounts.models import AgentGroup, Organisation, User, UserKind
from relaydesk.tickets.models import Queue

PREFIX = "bench-"
CUSTOMER_EMAIL = "bench-customer@bench.example"
QUEUE_EMAIL = "bench-queue@bench.example"


@dataclass(frozen=True)
class BenchFixture:
    organisation: Organisation
    customer: User
    group: AgentGroup
    queue: Queue


def prepare_fixture() -> BenchFixture:
    """Find or make the bench rows (idempotent: runs share them)."""
    organisation, _ = Organisation.objects.get_or_create(
        name=f"{PREFIX}organisation", defaults={"domain": "bench.example"}
    )
    customer = User.objects.filter(email__iexact=CUSTOMER_EMAIL).first()
    if customer is None:
        customer = User.objects.create_user(
            CUSTOMER_EMAIL,
            password=None,  # nobody signs in as the bench customer
            name=f"{PREFIX}customer",
            kind=UserKind.CUSTOMER,
            organisation=organisation,
        )
    group, _ = AgentGroup.objects.get_or_create(name=f"{PREFIX}agents")
    queue, _ = Queue.objects.get_or_create(
        name=f"{PREFIX}queue", defaults={"group": group, "email_address": QUEUE_EMAIL}
    )
    return BenchFixture(organisation, customer, group, queue)


def article_body(index: int, size: int = 800) -> str:
    """About `size` bytes of plausible request text, different for every ticket."""
    paragraph = (
        f"Request {index}: since this morning the VPN client disconnects every few minutes "
        "and the shared printer on the second floor rejects every job with error 50.2. "
        "I restarted the laptop twice, removed and re-added the printer, and checked the "
        "cable of the docking station, but nothing changed. Colleagues in the same room "
        "report the same problem with their laptops. Could you please have a look soon? "
    )
    text = paragraph
    while len(text.encode()) < size:
        text += paragraph
    return text.encode()[:size].decode(errors="ignore")
