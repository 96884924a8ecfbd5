"""Full-text search over tickets, maintained on write.

`index_ticket` rebuilds a ticket's search document inside the writing
transaction (the actions call it), so search never lags behind. The database
indexes the document itself: tsvector + GIN on PostgreSQL, FTS5 on SQLite
(migration 0002). `search_tickets` starts from the visibility rule and, for
customers, searches only public text.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When

from relaydesk.accounts.models import User
from relaydesk.tickets.models import Article, Ticket, TicketSearchDocument, Visibility
from relaydesk.tickets.visibility import visible_tickets

MAX_QUERY_TERMS = 16
_TERM = re.compile(r"\w+", re.UNICODE)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def _address_words(address: str) -> str:
    """An address as itself and as its parts, so "acme" finds alice@acme.example."""
    return f"{address} {_NON_WORD.sub(' ', address)}" if address else ""


def build_document(ticket: Ticket) -> TicketSearchDocument:
    articles = Article.objects.filter(ticket=ticket).values_list(
        "visibility", "from_address", "to_addresses", "cc_addresses", "subject", "body_text"
    )
    head = [ticket.number, ticket.title]
    if ticket.customer is not None:
        head += [ticket.customer.name, _address_words(ticket.customer.email)]
    public: list[str] = []
    internal: list[str] = []
    for visibility, sender, to, cc, subject, text in articles:
        if visibility == Visibility.PUBLIC:
            head += [_address_words(sender), to, cc]
            public += [subject, text]
        else:
            internal += [_address_words(sender), subject, text]
    return TicketSearchDocument(
        ticket=ticket,
        head=" ".join(part for part in head if part),
        body="\n".join(part for part in public if part),
        internal="\n".join(part for part in internal if part),
    )


def index_ticket(ticket: Ticket) -> None:
    """(Re)write the ticket's search document; call inside the writing transaction."""
    document = build_document(ticket)
    TicketSearchDocument.objects.update_or_create(
        ticket=ticket,
        defaults={"head": document.head, "body": document.body, "internal": document.internal},
    )


def query_terms(query: str) -> list[str]:
    return _TERM.findall(query.lower())[:MAX_QUERY_TERMS]


def _postgres_match(terms: list[str], *, internal: bool) -> tuple[str, str, list[str]]:
    """A WHERE clause and a rank expression over the generated tsvector columns."""
    tsquery = " & ".join(f"{term}:*" for term in terms)
    # The query text is bound as a parameter; the terms are \w+ words, so the
    # ":*" prefix syntax above cannot be broken by user input.
    match = "d.vector @@ to_tsquery('simple', %s)"
    rank = "ts_rank(d.vector, to_tsquery('simple', %s))"
    params = [tsquery]
    if internal:
        match = f"({match} OR d.internal_vector @@ to_tsquery('simple', %s))"
        rank = f"({rank} + ts_rank(d.internal_vector, to_tsquery('simple', %s)))"
        params = [tsquery, tsquery]
    return match, rank, params


def _ranked_ids_sql(terms: list[str], *, internal: bool) -> tuple[str, list[str]]:
    """SQL selecting (ticket_id, rank) of documents that match every term."""
    if connection.vendor == "postgresql":
        match, rank, params = _postgres_match(terms, internal=internal)
        sql = (
            f"SELECT d.ticket_id, {rank} AS rank FROM tickets_ticketsearchdocument d WHERE {match}"  # noqa: S608,E501
        )
        return sql, params + params
    columns = "{head body internal}" if internal else "{head body}"
    fts_query = f"{columns} : " + " ".join(f'"{term}"*' for term in terms)
    sql = (
        "SELECT rowid AS ticket_id, -bm25(tickets_search_fts) AS rank"
        " FROM tickets_search_fts WHERE tickets_search_fts MATCH %s"
    )
    return sql, [fts_query]


def search_tickets(user: User, query: str, *, limit: int = 50) -> QuerySet[Ticket]:
    """Visible tickets matching every word of `query` (as a prefix), best first.

    Matches the number, title, customer and sender addresses, and article text;
    agents also match internal notes, customers never do. Visibility is applied
    inside the ranking query, so invisible tickets never take a place in the
    top `limit`.
    """
    terms = query_terms(query)
    if not terms:
        return Ticket.objects.none()
    ranked_sql, ranked_params = _ranked_ids_sql(terms, internal=user.is_agent)
    visible_sql, visible_params = visible_tickets(user).values("pk").query.sql_with_params()
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
