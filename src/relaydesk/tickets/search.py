"""Full-text search over tickets, maintained on write.

`index_ticket` rebuilds a ticket's search document inside the writing
transaction (the actions call it), so search never lags behind. The database
indexes the document itself: tsvector + GIN on PostgreSQL, FTS5 on SQLite
(migration 0002). `search_tickets` starts from the visibility rule and, for
customers, searches only public text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When

from relaydesk.accounts.models import User
from relaydesk.tickets.models import Article, Ticket, TicketSearchDocument, Visibility
from relaydesk.tickets.visibility import visible_tickets

MAX_QUERY_TERMS = 16
# PostgreSQL refuses a tsvector over 1 MB. A tsvector takes at most about 2.5
# times the UTF-8 bytes of its text (every word distinct and short), so these
# byte caps keep head+body below that limit in any script. Articles are stored
# in full; only the indexed part is capped.
MAX_ARTICLE_CHARS = 100_000
MAX_HEAD_BYTES = 50_000
MAX_TEXT_BYTES = 300_000
# Letters and digits only: both databases split words at "_" and punctuation, so
# a query term must too, or it could never match (and empty a whole search).
_TERM = re.compile(r"[^\W_]+", re.UNICODE)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def _address_words(address: str) -> str:
    """An address as itself and as its parts, so "acme" finds alice@acme.example."""
    return f"{address} {_NON_WORD.sub(' ', address)}" if address else ""


ARTICLE_FIELDS = (
    "visibility",
    "from_address",
    "to_addresses",
    "cc_addresses",
    "subject",
    "body_text",
)


def build_document(ticket: Ticket, known: list[Article] | None = None) -> TicketSearchDocument:
    """The ticket's search document from its articles (`known`: all of them, in hand)."""
    articles: Iterable[tuple[str, ...]]
    if known is None:
        articles = Article.objects.filter(ticket=ticket).values_list(*ARTICLE_FIELDS)
    else:
        articles = [tuple(getattr(row, name) for name in ARTICLE_FIELDS) for row in known]
    head = [ticket.number, ticket.title]
    if ticket.customer is not None:
        head += [ticket.customer.name, _address_words(ticket.customer.email)]
    public: list[str] = []
    internal: list[str] = []
    for visibility, sender, to, cc, subject, text in articles:
        if visibility == Visibility.PUBLIC:
            head += [_address_words(sender), to, cc]
            public += [subject, text[:MAX_ARTICLE_CHARS]]
        else:
            internal += [_address_words(sender), subject, text[:MAX_ARTICLE_CHARS]]
    return TicketSearchDocument(
        ticket=ticket,
        head=_joined(head, " ", MAX_HEAD_BYTES),
        body=_joined(public, "\n", MAX_TEXT_BYTES),
        internal=_joined(internal, "\n", MAX_TEXT_BYTES),
    )


def _joined(parts: list[str], separator: str, max_bytes: int) -> str:
    text = separator.join(part for part in parts if part)
    # Cut on bytes, dropping a character the cut would split.
    return text.encode()[:max_bytes].decode(errors="ignore")


def index_ticket(ticket: Ticket, articles: list[Article] | None = None) -> None:
    """(Re)write the ticket's search document; call inside the writing transaction.

    `articles`: every article of the ticket, where the caller has them (a new
    ticket's first one), which saves reading them back.
    """
    index_tickets([(ticket, articles)])


def index_tickets(tickets: list[tuple[Ticket, list[Article] | None]]) -> None:
    """`index_ticket` for several tickets, in one statement."""
    # One upsert statement: no read, no savepoint (update_or_create needs both).
    TicketSearchDocument.objects.bulk_create(
        [build_document(ticket, articles) for ticket, articles in tickets],
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=["head", "body", "internal"],
    )


def query_terms(query: str) -> list[str]:
    return _TERM.findall(query.lower())[:MAX_QUERY_TERMS]


def _postgres_match(terms: list[str], *, internal: bool) -> tuple[str, list[str]]:
    """SQL selecting (ticket_id, rank) of documents that have every term (as a prefix).

    For agents each term may be in the public or the internal vector; the match
    is written per term (an AND of ORs), so each test can use its GIN index.
    """
    # The terms are \w+ words, so the ":*" prefix syntax cannot be broken by
    # user input; they are bound as parameters all the same.
    everything = " & ".join(f"{term}:*" for term in terms)
    if not internal:
        sql = (
            "SELECT d.ticket_id, ts_rank(d.vector, to_tsquery('simple', %s)) AS rank"
            " FROM tickets_ticketsearchdocument d WHERE d.vector @@ to_tsquery('simple', %s)"
        )
        return sql, [everything, everything]
    per_term = " AND ".join(
        "(d.vector @@ to_tsquery('simple', %s) OR d.internal_vector @@ to_tsquery('simple', %s))"
        for _ in terms
    )
    sql = (
        "SELECT d.ticket_id,"  # noqa: S608 - per_term is fixed SQL; terms are parameters
        " ts_rank(d.vector || d.internal_vector, to_tsquery('simple', %s)) AS rank"
        f" FROM tickets_ticketsearchdocument d WHERE {per_term}"
    )
    return sql, [everything, *(f"{term}:*" for term in terms for _ in range(2))]


def _sqlite_match(terms: list[str], *, internal: bool) -> tuple[str, list[str]]:
    """The same on FTS5: a column filter over the whole parenthesised query.

    bm25 weighs a hit in the head (number, title, addresses) ten times one in
    the text; FTS5's bm25 is lower-is-better, hence the minus.
    """
    columns = "{head body internal}" if internal else "{head body}"
    fts_query = f"{columns} : (" + " ".join(f'"{term}"*' for term in terms) + ")"
    sql = (
        "SELECT rowid AS ticket_id, -bm25(tickets_search_fts, 10.0, 1.0, 1.0) AS rank"
        " FROM tickets_search_fts WHERE tickets_search_fts MATCH %s"
    )
    return sql, [fts_query]


def _ranked_ids_sql(terms: list[str], *, internal: bool) -> tuple[str, list[str]]:
    if connection.vendor == "postgresql":
        return _postgres_match(terms, internal=internal)
    return _sqlite_match(terms, internal=internal)


def matching_ids_sql(user: User, query: str) -> tuple[str, list[str]] | None:
    """SQL (and its parameters) selecting the ids of every ticket matching `query`.

    For a filter (`pk__in=RawSQL(...)`) on a queryset that already starts from
    the visibility rule; unranked and unlimited. None when `query` has no word.
    Customers match public text only, as in `search_tickets`.
    """
    terms = query_terms(query)
    if not terms:
        return None
    ranked_sql, params = _ranked_ids_sql(terms, internal=user.is_agent)
    return f"SELECT m.ticket_id FROM ({ranked_sql}) m", params  # noqa: S608 - our own SQL


def search_tickets(user: User, query: str, *, limit: int = 50) -> QuerySet[Ticket]:
    """Visible tickets matching every word of `query` (as a prefix), best first.

    Matches the number, title, customer and sender addresses, and article text;
    agents also match internal notes, customers never do. Visibility is applied
    inside the ranking query, so invisible tickets never take a place in the
    top `limit`.
    """
    terms = query_terms(query)
    if not terms or not user.is_active:
        return Ticket.objects.none()
    ranked_sql, ranked_params = _ranked_ids_sql(terms, internal=user.is_agent)
    try:
        visible_sql, visible_params = visible_tickets(user).values("pk").query.sql_with_params()
    except EmptyResultSet:  # the rule allows nothing at all
        return Ticket.objects.none()
    sql = (
        f"SELECT m.ticket_id FROM ({ranked_sql}) m"  # noqa: S608 - parts are our own SQL
        f" WHERE m.ticket_id IN ({visible_sql}) ORDER BY m.rank DESC, m.ticket_id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ranked_params, *visible_params, limit])
        best = [row[0] for row in cursor.fetchall()]
    if not best:
        return Ticket.objects.none()
    position = Case(
        *(When(pk=pk, then=Value(index)) for index, pk in enumerate(best)),
        output_field=IntegerField(),
    )
    return (
        Ticket.objects.filter(pk__in=best)
        .annotate(search_position=position)
        .order_by("search_position")
    )
