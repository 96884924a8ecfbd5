"""Finding customers and organisations by what an agent types: a name, an
address or a domain.

Every lookup is a prefix match on a lower-cased column, which PostgreSQL
answers from the expression indexes of migration 0005 (`text_pattern_ops`):
the address and the name from their start, the domain by matching the
reversed address from its end (`@example.com` backwards). SQLite, for the
small embedded installations, scans the (small) table.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower, Reverse

from relaydesk.accounts.models import Organisation, User, UserKind

MAX_TEXT = 254
MAX_ORGANISATIONS = 100


def normalised(text: str) -> str:
    return text.strip().lower()[:MAX_TEXT]


def domain_of(text: str) -> str:
    """`example.com` of "@example.com" or "example.com"; empty when it is no domain."""
    candidate = text.removeprefix("@")
    if "@" in candidate or "." not in candidate or " " in candidate:
        return ""
    return candidate


def customer_condition(text: str) -> Q:
    """Customers whose address or name starts with `text`, whose domain is `text`, or
    who belong to an organisation whose name or domain starts with `text`."""
    text = normalised(text)
    # Ids first (one small query): a subquery inside the OR would keep PostgreSQL
    # from combining the indexes (BitmapOr) and make it scan the table.
    organisations = list(
        organisations_matching(text).order_by().values_list("pk", flat=True)[:MAX_ORGANISATIONS]
    )
    condition = (
        Q(email_lower__startswith=text)
        | Q(name_lower__startswith=text)
        | Q(organisation__in=organisations)
    )
    domain = domain_of(text)
    if domain:
        condition |= Q(email_reversed__startswith=("@" + domain)[::-1])
    return condition


def customers_matching(text: str) -> QuerySet[User]:
    """Active and inactive customers matching `text` (see module doc), by address."""
    if not normalised(text):
        return User.objects.none()
    return (
        User.objects.filter(kind=UserKind.CUSTOMER)
        .alias(
            email_lower=Lower("email"),
            name_lower=Lower("name"),
            email_reversed=Reverse(Lower("email")),
        )
        .filter(customer_condition(text))
        .order_by("email", "pk")
    )


def organisations_matching(text: str) -> QuerySet[Organisation]:
    """Organisations whose name or domain starts with `text`, by name."""
    text = normalised(text)
    if not text:
        return Organisation.objects.none()
    domain = text.removeprefix("@")
    return (
        Organisation.objects.alias(name_lower=Lower("name"), domain_lower=Lower("domain"))
        .filter(Q(name_lower__startswith=text) | Q(domain_lower__startswith=domain))
        .order_by("name", "pk")
    )
