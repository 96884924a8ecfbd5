"""Recognising a message we have already taken (issue 3, point 1).

A delivery is a duplicate of an earlier one when

- its raw bytes are the same (same sha256) as a message that became an
  article; or
- its Message-ID is already stored on an article, and either that article is
  not from an inbound mail (our own outgoing mail coming back) or the inbound
  mail it came from says the same thing (`content_fingerprint`: same From,
  To, Cc, Subject, Date, body — trace headers such as Received and
  Delivered-To aside). The same message sent to two of our addresses or
  fetched from two mailboxes is one article.

A Message-ID alone is not trusted: real mailers (and 126 of the 641 messages of
the test corpus) reuse one for different messages, which must not vanish as
"duplicates".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from relaydesk.core.storage import read_blob
from relaydesk.mail.inbound.raw import content_fingerprint
from relaydesk.mail.models import InboundMessage, InboundStatus
from relaydesk.tickets.models import Article

CREATED = (InboundStatus.NEW_TICKET, InboundStatus.FOLLOW_UP)
TAKEN = (*CREATED, InboundStatus.DUPLICATE)
# Enough to look past a few unrelated reuses of one Message-ID.
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Delivery:
    """Another delivery of the same message, as the processor's lock read it."""

    pk: int
    raw_sha256: str
    status: str
    article_id: int | None
    duplicate_of_id: int | None


@dataclass(frozen=True)
class Duplicate:
    """The article an earlier delivery became, and that delivery (None: ours)."""

    article: Article
    original_id: int | None
    method: str  # "raw_sha256" or "message_id"
    value: str


def find_duplicate(
    inbound: InboundMessage, others: list[Delivery], raw: bytes, message_id: str
) -> Duplicate | None:
    """`others`: the other deliveries with the same bytes or Message-ID (locked by the caller)."""
    return same_bytes(inbound, others) or same_message(inbound, raw, message_id)


def same_bytes(inbound: InboundMessage, others: list[Delivery]) -> Duplicate | None:
    earlier = next(
        (
            other
            for other in others  # in key order: the earliest first
            if other.raw_sha256 == inbound.raw_sha256
            and other.status in TAKEN
            and other.article_id is not None
        ),
        None,
    )
    if earlier is None or earlier.article_id is None:
        return None
    article = Article.objects.select_related("ticket").get(pk=earlier.article_id)
    original = earlier.duplicate_of_id or earlier.pk
    return Duplicate(article, original, "raw_sha256", inbound.raw_sha256)


def same_message(inbound: InboundMessage, raw: bytes, message_id: str) -> Duplicate | None:
    bare = message_id.strip().strip("<>")
    if not bare:
        return None
    # Usually there is none: ask for keys only, load articles only when there are some.
    keys = articles_with_message_id(bare)
    if not keys:
        return None
    fingerprint: str | None = None
    for article in Article.objects.select_related("ticket").filter(pk__in=keys).order_by("pk"):
        source = (
            # The delivery that created the article (duplicates point at it too).
            InboundMessage.objects.filter(article=article, status__in=CREATED)
            .exclude(pk=inbound.pk)
            .order_by("pk")
            .values_list("pk", "raw_sha256")
            .first()
        )
        if source is None:
            return Duplicate(article, None, "message_id", bare)
        fingerprint = fingerprint or content_fingerprint(raw)
        if content_fingerprint(read_blob(source[1])) == fingerprint:
            return Duplicate(article, source[0], "message_id", bare)
    return None


# Asked once per inbound mail; written by hand, as the ORM took longer to build
# this query than the database to answer it.
ARTICLES_BY_MESSAGE_ID = (
    f"SELECT id FROM {Article._meta.db_table} WHERE message_id IN (%s, %s)"  # noqa: S608
    f" ORDER BY id LIMIT {MAX_CANDIDATES}"
)


def articles_with_message_id(bare: str) -> list[int]:
    """Keys of the articles stored with this Message-ID (with or without brackets)."""
    with connection.cursor() as cursor:
        cursor.execute(ARTICLES_BY_MESSAGE_ID, [bare, f"<{bare}>"])
        return [row[0] for row in cursor.fetchall()]
