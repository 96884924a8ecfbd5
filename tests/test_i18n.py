"""Translations: refusals speak the request's language, labels are translated,
history stays data, and the German catalogue is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from relaydesk.core.errors import PermissionDenied, ValidationFailed
from relaydesk.tickets.actions import NewArticle, add_article, create_ticket, lock_ticket
from relaydesk.tickets.models import (
    ArticleChannel,
    Channel,
    Priority,
    StateCategory,
    Ticket,
    Visibility,
)
from tests.factories import AgentFactory, Directory, make_ticket
from tests.helpers import snapshot

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "de" / "LC_MESSAGES"


def note(text: str = "Checked the cable.") -> NewArticle:
    return NewArticle(body_text=text, channel=ArticleChannel.NOTE)


# Refusals -------------------------------------------------------------------


@pytest.mark.django_db
def test_refused_create_speaks_the_active_language(directory: Directory) -> None:
    d = directory

    with translation.override("de"), pytest.raises(ValidationFailed) as german:
        create_ticket(actor=d.agent, via=Channel.WEB, title="  ", queue=d.support, article=note())
    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        create_ticket(actor=d.agent, via=Channel.WEB, title="  ", queue=d.support, article=note())

    assert german.value.errors == {"title": "darf nicht leer sein"}
    assert german.value.message == "title: darf nicht leer sein"
    assert english.value.errors == {"title": "must not be empty"}
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_unknown_queue_is_reported_in_german(directory: Directory) -> None:
    d = directory

    with translation.override("de"), pytest.raises(ValidationFailed) as refused:
        create_ticket(actor=d.agent, via=Channel.WEB, title="VPN", queue=424242, article=note())

    assert refused.value.errors == {"queue": "unbekannte Queue 424242"}
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_lock_held_by_someone_else_is_reported_in_german(directory: Directory) -> None:
    d = directory
    colleague = AgentFactory(email="colleague@example.com", groups=[d.first_level])
    ticket = make_ticket(customer=d.alice, queue=d.support)
    lock_ticket(actor=d.agent, via=Channel.WEB, ticket=ticket)
    before = snapshot(ticket)

    with translation.override("de"), pytest.raises(PermissionDenied) as refused:
        lock_ticket(actor=colleague, via=Channel.WEB, ticket=ticket)

    assert refused.value.message == (
        f"Ticket {ticket.number} ist von Agnes Agent <agent@example.com> gesperrt"
    )
    assert snapshot(ticket) == before


@pytest.mark.django_db
def test_history_stays_english_data_under_a_german_request(directory: Directory) -> None:
    d = directory
    ticket = make_ticket(customer=d.alice, queue=d.support)

    with translation.override("de"):
        article = add_article(
            actor=d.agent,
            via=Channel.WEB,
            ticket=ticket,
            article=NewArticle(
                body_text="Please restart it.",
                channel=ArticleChannel.EMAIL,
                visibility=Visibility.PUBLIC,
            ),
        )
        lock_ticket(actor=d.agent, via=Channel.WEB, ticket=ticket)

    assert ticket.history.get(
        action="article", new_value__startswith=str(article.pk)
    ).new_value == (f"{article.pk} (email, public)")
    assert ticket.history.get(action="lock").new_value == "yes"


# Labels ---------------------------------------------------------------------


def test_model_labels_are_german() -> None:
    with translation.override("de"):
        assert str(Priority._meta.verbose_name) == "Priorität"
        assert str(Ticket._meta.get_field("owner").verbose_name) == "Besitzer"
        assert str(Ticket._meta.get_field("responsible").verbose_name) == "Verantwortlicher"
        assert StateCategory.MERGED.label == "zusammengefasst"
    assert str(Ticket._meta.get_field("owner").verbose_name) == "owner"


# The catalogue ----------------------------------------------------------------


@dataclass
class Entry:
    line: int
    flags: list[str] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.strings.get("msgid", "")

    @property
    def translations(self) -> dict[str, str]:
        return {key: text for key, text in self.strings.items() if key.startswith("msgstr")}


def read_po(path: Path) -> list[Entry]:
    """A small .po reader: flags, msgid, msgid_plural and msgstr / msgstr[n]."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current.strings[key] += ast.literal_eval(line)
        else:
            key, _, text = line.partition(" ")
            current.strings[key] = ast.literal_eval(text)
    return entries


GERMAN = read_po(CATALOGUE / "django.po")
MESSAGES = [entry for entry in GERMAN if entry.msgid]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_the_catalogue_has_no_fuzzy_or_untranslated_entries() -> None:
    fuzzy = [entry.line for entry in GERMAN if "fuzzy" in entry.flags]
    untranslated = [
        (entry.line, entry.msgid)
        for entry in MESSAGES
        if not entry.translations or not all(entry.translations.values())
    ]

    assert len(MESSAGES) > 100
    assert fuzzy == []
    assert untranslated == []


def test_translations_keep_every_placeholder() -> None:
    broken = [
        (entry.line, entry.msgid)
        for entry in MESSAGES
        for text in entry.translations.values()
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid))
    ]

    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    """The .mo is committed (a fresh machine may lack gettext): it must not lag behind."""
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    stale = []
    for entry in MESSAGES:
        if "msgid_plural" in entry.strings:
            plural = entry.strings["msgid_plural"]
            found = [catalogue.ngettext(entry.msgid, plural, n) for n in (1, 2)]
            expected = [entry.strings["msgstr[0]"], entry.strings["msgstr[1]"]]
        else:
            found = [catalogue.gettext(entry.msgid)]
            expected = [entry.strings["msgstr"]]
        if found != expected:
            stale.append(entry.msgid)

    assert stale == []
