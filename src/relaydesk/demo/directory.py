"""Create the demo's organisations, agent groups, queues and people.

These are configuration rows, not ticket rows, so they are written directly.
People who already exist (an administrator made with `relaydesk createadmin`,
say) are reused as they are: their password is never changed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from relaydesk.accounts.models import AgentGroup, Organisation, User, UserKind
from relaydesk.demo.directory_data import (
    ADMIN_EMAIL,
    AGENTS,
    CUSTOMERS,
    GROUPS,
    ORGANISATIONS,
    QUEUES,
)
from relaydesk.tickets.models import AccessLevel, Queue, QueueAccess

# How often the administrator, rather than a team member, works a ticket.
ADMIN_SHARE = 1 / 6


class DemoDataConflict(Exception):
    """The database holds rows that the demo would have to overwrite."""


@dataclass
class DemoDirectory:
    """The demo's people and places, by the keys and addresses of the data tables."""

    organisations: dict[str, Organisation]
    queues: dict[str, Queue]
    people: dict[str, User]  # by email address
    team: dict[str, list[User]]  # queue key -> agents of its group, administrator excluded
    created_users: list[User] = field(default_factory=list)

    @property
    def customers(self) -> list[User]:
        return [user for user in self.people.values() if user.is_customer]

    @property
    def admin(self) -> User:
        return self.people[ADMIN_EMAIL]

    def agent_for(self, queue_key: str, rng: random.Random) -> User:
        """An agent of the queue's own group; the administrator now and then."""
        members = self.team[queue_key]
        if not members or rng.random() < ADMIN_SHARE:
            return self.admin
        return rng.choice(members)


def _user(email: str, kind: str, password_hash: str, **fields: object) -> tuple[User, bool]:
    """The user with this address, made if missing. Returns (user, created)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        made = User.objects.create(email=email, kind=kind, password=password_hash, **fields)
        return made, True
    if user.kind != kind:
        raise DemoDataConflict(f"{email} exists as a {user.kind}; the demo needs a {kind}")
    return user, False


def _places() -> tuple[dict[str, Organisation], dict[str, AgentGroup], dict[str, Queue]]:
    organisations = {
        row.key: Organisation.objects.get_or_create(name=row.name, defaults={"domain": row.domain})[
            0
        ]
        for row in ORGANISATIONS
    }
    groups = {
        row.key: AgentGroup.objects.get_or_create(
            name=row.name, defaults={"description": row.description}
        )[0]
        for row in GROUPS
    }
    queues: dict[str, Queue] = {}
    for row in QUEUES:
        queue = Queue.objects.create(
            name=row.name, email_address=row.email_address, group=groups[row.group]
        )
        for reader in row.readers:
            QueueAccess.objects.create(queue=queue, group=groups[reader], level=AccessLevel.READ)
        queues[row.key] = queue
    return organisations, groups, queues


def create_directory(password_hash: str) -> DemoDirectory:
    """Make every place and person; new users get `password_hash` (already hashed)."""
    organisations, groups, queues = _places()
    people: dict[str, User] = {}
    created: list[User] = []
    members: dict[str, list[User]] = {key: [] for key in groups}
    for agent_row in AGENTS:
        extra = {"is_staff": True, "is_superuser": True} if agent_row.is_admin else {}
        agent, is_new = _user(
            agent_row.email, UserKind.AGENT, password_hash, name=agent_row.name, **extra
        )
        # Also for an existing administrator: the demo's queues need their groups.
        agent.agent_groups.add(*(groups[key] for key in agent_row.groups))
        people[agent_row.email] = agent
        created += [agent] if is_new else []
        if not agent_row.is_admin:
            for key in agent_row.groups:
                members[key].append(agent)
    for row in CUSTOMERS:
        organisation = organisations[row.organisation] if row.organisation else None
        customer, is_new = _user(
            row.email, UserKind.CUSTOMER, password_hash, name=row.name, organisation=organisation
        )
        people[row.email] = customer
        created += [customer] if is_new else []
    team = {row.key: members[row.group] for row in QUEUES}
    return DemoDirectory(organisations, queues, people, team, created)
