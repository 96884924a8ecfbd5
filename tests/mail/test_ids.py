"""Our Message-IDs name their ticket, and only signed ones count."""

from __future__ import annotations

from relaydesk.mail.ids import make_message_id, ticket_number_in


def test_a_message_id_names_its_ticket() -> None:
    message_id = make_message_id("2026112210000013")
    assert message_id.startswith("rd.2026112210000013.")
    assert message_id.endswith("@127.0.0.1")
    assert ticket_number_in(message_id) == "2026112210000013"
    assert ticket_number_in(f"<{message_id}>") == "2026112210000013"


def test_each_message_id_is_new() -> None:
    assert make_message_id("1") != make_message_id("1")


def test_forged_or_foreign_ids_name_no_ticket() -> None:
    genuine = make_message_id("2026112210000013")
    forged = genuine.replace("2026112210000013", "2026112210000022")
    assert ticket_number_in(forged) is None
    assert ticket_number_in("CAF=abc@mail.gmail.com") is None
    assert ticket_number_in("rd.2026112210000013.abcdef.0000000000000000@x") is None
    # Non-ASCII digits never count as a ticket number.
    assert ticket_number_in(genuine.replace("2026", "２０２６")) is None
