"""People in the agent interface: `{% load agent_people %}`.

`{% out_of_office_badge agent %}` shows "Out of office" (until when, on hover)
next to an agent's name while their out-of-office period runs
(`preferences["out_of_office"]`, read like the mail does); nothing otherwise.
`agent|is_out_of_office` is the same as a test. Neither runs a query.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.mail.outbound.recipients import is_out_of_office as _is_out_of_office

register = template.Library()


@register.filter
def is_out_of_office(person: Any) -> bool:
    return isinstance(person, User) and person.is_agent and _is_out_of_office(person)


@register.simple_tag
def out_of_office_badge(person: Any) -> SafeString | str:
    if not is_out_of_office(person):
        return ""
    from relaydesk.agent.preference_forms import out_of_office_period

    _start, end = out_of_office_period(person)
    until = date_format(end, "SHORT_DATE_FORMAT") if end else ""
    return format_html(
        '<span class="badge badge-away" title="{}">{}</span>',
        _("Out of office until %(day)s") % {"day": until},
        _("Out of office"),
    )
