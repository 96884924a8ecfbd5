"""Rendering an outgoing mail from its template, in the recipient's language.

Lookup: the MailTemplate for (kind, language, queue), else (kind, language,
any queue), else the built-in default (defaults.py). Templates run on a
restricted engine (template_library.py) against an allowlisted context of
plain strings: customer text is a value in the context, never template source,
so `{{ 7|add:1 }}` written by a customer stays those characters (class 9).
Plain text renders without autoescaping, HTML with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from functools import cache

from django.db.models import Q
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import translation

from relaydesk.mail.models import MailTemplate
from relaydesk.mail.outbound.defaults import DefaultTemplate, default_template

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailContext:
    """Everything a template may show; each field is plain text."""

    ticket_number: str
    ticket_title: str
    ticket_url: str
    queue_name: str
    state_name: str
    recipient_name: str
    customer_name: str
    sender_name: str  # whoever caused the mail: the replying agent, the writing customer …
    article_subject: str = ""
    article_text: str = ""

    def as_dict(self) -> dict[str, str]:
        return {field.name: str(getattr(self, field.name)) for field in fields(self)}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str  # "" when the template has no HTML


class _MailEngine(Engine):
    # Replaces Django's built-in tags and filters, not adds to them.
    default_builtins = ["relaydesk.mail.outbound.template_library"]


@cache
def mail_engine() -> Engine:
    """The restricted engine; no loaders, so no template can reach the file system."""
    return _MailEngine(dirs=[], app_dirs=False, loaders=[], libraries={}, debug=False)


def find_template(kind: str, language: str, queue_id: int | None) -> DefaultTemplate:
    """The operator's template for the queue, for all queues, else the built-in one."""
    rows = MailTemplate.objects.filter(kind=kind, language=language, is_active=True).filter(
        Q(queue_id=queue_id) | Q(queue__isnull=True)
    )
    chosen = sorted(rows, key=lambda row: row.queue_id is None)  # queue-specific first
    if chosen:
        row = chosen[0]
        return DefaultTemplate(
            subject=row.subject, body_text=row.body_text, body_html=row.body_html
        )
    return default_template(kind, language)


def _render(source: str, values: dict[str, str], *, autoescape: bool) -> str:
    template = mail_engine().from_string(source)
    return template.render(Context(values, autoescape=autoescape))


def render_template(template: DefaultTemplate, context: MailContext, language: str) -> RenderedMail:
    values = context.as_dict()
    with translation.override(language):
        return RenderedMail(
            subject=_render(template.subject, values, autoescape=False),
            body_text=_render(template.body_text, values, autoescape=False),
            body_html=(
                _render(template.body_html, values, autoescape=True)
                if template.body_html.strip()
                else ""
            ),
        )


def render_mail(
    kind: str, language: str, queue_id: int | None, context: MailContext
) -> RenderedMail:
    """Render the kind's template; a broken admin template falls back to the built-in one."""
    template = find_template(kind, language, queue_id)
    try:
        return render_template(template, context, language)
    except TemplateSyntaxError:
        # An operator's typo must not silence the desk: log it, send the built-in text.
        logger.warning(
            "mail template %s/%s does not compile; using the built-in one", kind, language
        )
        return render_template(default_template(kind, language), context, language)
