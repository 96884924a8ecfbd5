"""factory_boy factories for configuration and people. Tickets are made
through the actions layer (see `make_ticket`), never by factories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory

from relaydesk.accounts.models import AgentGroup, Organisation, User, UserKind
from relaydesk.tickets.models import AccessLevel, Queue, QueueAccess

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    name = factory.Faker("name")
    kind = UserKind.CUSTOMER
    password = factory.django.Password(PASSWORD)


class AgentFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@example.com")
    kind = UserKind.AGENT

    @factory.post_generation
    def groups(self, create: bool, extracted: list[AgentGroup] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.agent_groups.add(*extracted)


class AgentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Queue {n}")
    group = factory.SubFactory(AgentGroupFactory)
    email_address = factory.LazyAttribute(lambda q: f"{q.name.lower().replace(' ', '-')}@desk.test")


@dataclass
class Directory:
    """A small world: two organisations, their customers, two teams and queues."""

    acme: Organisation
    globex: Organisation
    alice: User
    bob: User
    carol: User
    dave: User  # a customer without an organisation
    first_level: AgentGroup
    second_level: AgentGroup
    readers: AgentGroup
    support: Queue
    hardware: Queue
    agent: User  # in first_level: writes in `support`
    specialist: User  # in second_level: writes in `hardware`
    reader: User  # in readers: may only read `support`
    outsider: User  # an agent in no group


def build_directory() -> Directory:
    acme = OrganisationFactory(name="Acme")
    globex = OrganisationFactory(name="Globex")
    first_level = AgentGroupFactory(name="First level")
    second_level = AgentGroupFactory(name="Second level")
    readers = AgentGroupFactory(name="Readers")
    support = QueueFactory(name="Support", group=first_level)
    hardware = QueueFactory(name="Hardware", group=second_level)
    QueueAccess.objects.create(queue=support, group=readers, level=AccessLevel.READ)
    return Directory(
        acme=acme,
        globex=globex,
        alice=UserFactory(email="alice@acme.example", name="Alice", organisation=acme),
        bob=UserFactory(email="bob@acme.example", name="Bob", organisation=acme),
        carol=UserFactory(email="carol@globex.example", name="Carol", organisation=globex),
        dave=UserFactory(email="dave@home.example", name="Dave"),
        first_level=first_level,
        second_level=second_level,
        readers=readers,
        support=support,
        hardware=hardware,
        agent=AgentFactory(email="agent@example.com", name="Agnes Agent", groups=[first_level]),
        specialist=AgentFactory(
            email="specialist@example.com", name="Sam Specialist", groups=[second_level]
        ),
        reader=AgentFactory(email="reader@example.com", name="Rita Reader", groups=[readers]),
        outsider=AgentFactory(email="outsider@example.com", name="Otto Outsider"),
    )


def make_ticket(
    *,
    customer: User | None,
    queue: Queue,
    title: str = "The printer on floor 3 is jammed",
    body: str = "Since this morning nothing prints; the display shows error 50.2.",
    actor: User | None = None,
    via: str = "email",
    **fields: Any,
) -> Any:
    """A ticket made the way production makes them: through the actions layer."""
    from relaydesk.tickets.actions import NewArticle, create_ticket
    from relaydesk.tickets.models import ArticleChannel, SenderKind

    article = fields.pop("article", None) or NewArticle(
        body_text=body,
        channel=ArticleChannel.EMAIL,
        sender_kind=SenderKind.CUSTOMER if customer is not None else None,
        from_address=customer.email if customer is not None else "",
    )
    return create_ticket(
        actor=actor, via=via, title=title, queue=queue, customer=customer, article=article, **fields
    )
