"""Who and where in the demo: organisations, people, agent groups and queues.

Plain tables, so that the documented logins (README, docs) can be checked
against one place. Every demo user gets the same password.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_EMAIL = "admin@example.com"
AGENT_EMAIL = "agent@example.com"


@dataclass(frozen=True)
class OrganisationRow:
    key: str
    name: str
    domain: str


@dataclass(frozen=True)
class CustomerRow:
    email: str
    name: str
    organisation: str | None  # an OrganisationRow key; None for a customer of their own


@dataclass(frozen=True)
class AgentRow:
    email: str
    name: str
    groups: tuple[str, ...]  # GroupRow keys
    is_admin: bool = False


@dataclass(frozen=True)
class GroupRow:
    key: str
    name: str
    description: str


@dataclass(frozen=True)
class QueueRow:
    key: str
    name: str
    email_address: str
    group: str  # the GroupRow key of the team that works it
    readers: tuple[str, ...] = ()  # further groups with read access


ORGANISATIONS = (
    OrganisationRow("acme", "Acme", "acme.example"),
    OrganisationRow("globex", "Globex", "globex.example"),
)

CUSTOMERS = (
    CustomerRow("alice@acme.example", "Alice Archer", "acme"),
    CustomerRow("bob@acme.example", "Bob Baker", "acme"),
    CustomerRow("chen.li@acme.example", "Chen Li", "acme"),
    CustomerRow("dana.fischer@acme.example", "Dana Fischer", "acme"),
    CustomerRow("emil.novak@acme.example", "Emil Novak", "acme"),
    CustomerRow("carol@globex.example", "Carol Diaz", "globex"),
    CustomerRow("frank.moreau@globex.example", "Frank Moreau", "globex"),
    CustomerRow("grace.okafor@globex.example", "Grace Okafor", "globex"),
    CustomerRow("hiro.tanaka@globex.example", "Hiro Tanaka", "globex"),
    CustomerRow("ivan.petrov@freelance.example", "Ivan Petrov", None),
)

GROUPS = (
    GroupRow("first", "First level", "Service desk: takes every request first."),
    GroupRow("second", "Second level", "Infrastructure: hardware, network and VPN."),
)

AGENTS = (
    AgentRow(ADMIN_EMAIL, "Ada Admin", ("first", "second"), is_admin=True),
    AgentRow(AGENT_EMAIL, "Alex Agent", ("first",)),
    AgentRow("priya.shah@example.com", "Priya Shah", ("first",)),
    AgentRow("tom.weber@example.com", "Tom Weber", ("second",)),
)

QUEUES = (
    QueueRow("desk", "Service Desk", "servicedesk@example.com", "first"),
    QueueRow("access", "Accounts & Access", "access@example.com", "first"),
    QueueRow("hardware", "Hardware", "hardware@example.com", "second", readers=("first",)),
    QueueRow("network", "Network & VPN", "network@example.com", "second", readers=("first",)),
)

# The demo is present when all of these queues exist; they are created in the
# same transaction as the tickets, so they never exist without them.
MARKER_QUEUES = tuple(queue.name for queue in QUEUES)

# The logins documented for people trying Relaydesk out.
DOCUMENTED_LOGINS = (
    ADMIN_EMAIL,
    AGENT_EMAIL,
    "alice@acme.example",
    "bob@acme.example",
    "carol@globex.example",
)
