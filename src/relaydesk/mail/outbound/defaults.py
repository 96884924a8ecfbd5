"""Built-in mail templates, used when the admin has no `MailTemplate` for a kind.

They are Django templates over the allowlisted context of render.py, written
out in English and German rather than run through the gettext catalogue: a
mail is one text, and translators should see (and may rewrite) all of it.
Plain text only; an operator who wants HTML adds a MailTemplate with HTML.
The subject tag ([Ticket#…]) is put in front of every subject by compose.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk.mail.outbound.kinds import MailKind


@dataclass(frozen=True)
class DefaultTemplate:
    subject: str
    body_text: str
    body_html: str = ""


FALLBACK_LANGUAGE = "en"

_SIGNATURE_EN = "-- \n{{ queue_name }}\n"
_SIGNATURE_DE = "-- \n{{ queue_name }}\n"

ENGLISH: dict[str, DefaultTemplate] = {
    MailKind.ACKNOWLEDGEMENT: DefaultTemplate(
        subject="We received your request: {{ ticket_title }}",
        body_text=(
            "Hello {{ recipient_name }},\n\n"
            "thank you for your message. We have recorded your request under number "
            "{{ ticket_number }} and will get back to you as soon as we can.\n\n"
            "Please keep the number in the subject when you reply, so that your answer "
            "reaches the same request.\n\n"
            "Your request online: {{ ticket_url }}\n\n" + _SIGNATURE_EN
        ),
    ),
    MailKind.REPLY: DefaultTemplate(
        subject="{{ article_subject }}",
        body_text="{{ article_text }}\n\n" + _SIGNATURE_EN + "{{ ticket_url }}\n",
    ),
    MailKind.FORWARD: DefaultTemplate(
        # To someone outside the ticket: no link to it, which they could not open.
        subject="{{ article_subject }}",
        body_text="{{ article_text }}\n\n-- \n{{ sender_name }}\n{{ queue_name }}\n",
    ),
    MailKind.RESOLVED: DefaultTemplate(
        subject="Resolved: {{ ticket_title }}",
        body_text=(
            "Hello {{ recipient_name }},\n\n"
            "we consider your request {{ ticket_number }} resolved.\n\n"
            "If the problem persists, simply reply to this mail and we will look at it "
            "again.\n\n"
            "Your request online: {{ ticket_url }}\n\n" + _SIGNATURE_EN
        ),
    ),
    MailKind.CLOSED: DefaultTemplate(
        subject="Closed: {{ ticket_title }}",
        body_text=(
            "Hello {{ recipient_name }},\n\n"
            "your request {{ ticket_number }} is now closed.\n\n"
            "Your request online: {{ ticket_url }}\n\n" + _SIGNATURE_EN
        ),
    ),
    MailKind.NEW_TICKET: DefaultTemplate(
        subject="New ticket in {{ queue_name }}: {{ ticket_title }}",
        body_text=(
            "Hello {{ recipient_name }},\n\n"
            "a new ticket {{ ticket_number }} is waiting in queue {{ queue_name }}.\n"
            "From: {{ customer_name }}\n\n"
            "{{ article_text }}\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
    MailKind.FOLLOW_UP: DefaultTemplate(
        subject="Follow-up: {{ ticket_title }}",
        body_text=(
            "Hello {{ recipient_name }},\n\n"
            "{{ sender_name }} wrote to your ticket {{ ticket_number }}:\n\n"
            "{{ article_text }}\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
    MailKind.OWNER_CHANGED: DefaultTemplate(
        subject="Assigned to you: {{ ticket_title }}",
        body_text=(
            "Hello {{ recipient_name }},\n\n"
            "{{ sender_name }} made you the owner of ticket {{ ticket_number }} "
            "in queue {{ queue_name }}.\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
    MailKind.PENDING_REMINDER: DefaultTemplate(
        subject="Reminder: {{ ticket_title }}",
        body_text=(
            "Hello {{ recipient_name }},\n\n"
            "the reminder time of ticket {{ ticket_number }} in queue {{ queue_name }} "
            "has been reached.\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
}

GERMAN: dict[str, DefaultTemplate] = {
    MailKind.ACKNOWLEDGEMENT: DefaultTemplate(
        subject="Ihre Anfrage ist eingegangen: {{ ticket_title }}",
        body_text=(
            "Guten Tag {{ recipient_name }},\n\n"
            "vielen Dank für Ihre Nachricht. Wir haben Ihre Anfrage unter der Nummer "
            "{{ ticket_number }} aufgenommen und melden uns so bald wie möglich.\n\n"
            "Bitte lassen Sie die Nummer im Betreff stehen, wenn Sie antworten, damit Ihre "
            "Antwort dieselbe Anfrage erreicht.\n\n"
            "Ihre Anfrage online: {{ ticket_url }}\n\n" + _SIGNATURE_DE
        ),
    ),
    MailKind.REPLY: DefaultTemplate(
        subject="{{ article_subject }}",
        body_text="{{ article_text }}\n\n" + _SIGNATURE_DE + "{{ ticket_url }}\n",
    ),
    MailKind.FORWARD: DefaultTemplate(
        subject="{{ article_subject }}",
        body_text="{{ article_text }}\n\n-- \n{{ sender_name }}\n{{ queue_name }}\n",
    ),
    MailKind.RESOLVED: DefaultTemplate(
        subject="Gelöst: {{ ticket_title }}",
        body_text=(
            "Guten Tag {{ recipient_name }},\n\n"
            "wir betrachten Ihre Anfrage {{ ticket_number }} als gelöst.\n\n"
            "Falls das Problem weiter besteht, antworten Sie einfach auf diese Mail, dann "
            "sehen wir es uns noch einmal an.\n\n"
            "Ihre Anfrage online: {{ ticket_url }}\n\n" + _SIGNATURE_DE
        ),
    ),
    MailKind.CLOSED: DefaultTemplate(
        subject="Geschlossen: {{ ticket_title }}",
        body_text=(
            "Guten Tag {{ recipient_name }},\n\n"
            "Ihre Anfrage {{ ticket_number }} ist jetzt geschlossen.\n\n"
            "Ihre Anfrage online: {{ ticket_url }}\n\n" + _SIGNATURE_DE
        ),
    ),
    MailKind.NEW_TICKET: DefaultTemplate(
        subject="Neues Ticket in {{ queue_name }}: {{ ticket_title }}",
        body_text=(
            "Hallo {{ recipient_name }},\n\n"
            "in der Queue {{ queue_name }} wartet ein neues Ticket {{ ticket_number }}.\n"
            "Von: {{ customer_name }}\n\n"
            "{{ article_text }}\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
    MailKind.FOLLOW_UP: DefaultTemplate(
        subject="Neue Nachricht: {{ ticket_title }}",
        body_text=(
            "Hallo {{ recipient_name }},\n\n"
            "{{ sender_name }} hat zu Ihrem Ticket {{ ticket_number }} geschrieben:\n\n"
            "{{ article_text }}\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
    MailKind.OWNER_CHANGED: DefaultTemplate(
        subject="Ihnen zugewiesen: {{ ticket_title }}",
        body_text=(
            "Hallo {{ recipient_name }},\n\n"
            "{{ sender_name }} hat Sie zum Besitzer des Tickets {{ ticket_number }} "
            "in der Queue {{ queue_name }} gemacht.\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
    MailKind.PENDING_REMINDER: DefaultTemplate(
        subject="Erinnerung: {{ ticket_title }}",
        body_text=(
            "Hallo {{ recipient_name }},\n\n"
            "die Erinnerungszeit des Tickets {{ ticket_number }} in der Queue "
            "{{ queue_name }} ist erreicht.\n\n"
            "{{ ticket_url }}\n"
        ),
    ),
}

BUILT_IN: dict[str, dict[str, DefaultTemplate]] = {"en": ENGLISH, "de": GERMAN}


def default_template(kind: str, language: str) -> DefaultTemplate:
    """The built-in template of the kind in the language, else in English."""
    by_kind = BUILT_IN.get(language) or BUILT_IN[FALLBACK_LANGUAGE]
    return by_kind.get(kind) or ENGLISH[kind]
