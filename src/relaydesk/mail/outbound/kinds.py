"""The kinds of mail Relaydesk sends, and who receives each.

A kind names a `MailTemplate` (admin) and a built-in default (defaults.py);
for agents it is also the key of `preferences["notifications"]`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailKind(models.TextChoices):
    # To the customer and participants
    ACKNOWLEDGEMENT = "acknowledgement", _("acknowledgement of a new ticket")
    REPLY = "reply", _("an agent's public reply")
    RESOLVED = "resolved", _("ticket resolved")
    CLOSED = "closed", _("ticket closed")
    # To whoever an agent forwards an article to
    FORWARD = "forward", _("an agent's forward")
    # To agents
    NEW_TICKET = "new_ticket", _("new ticket in one of my queues")
    FOLLOW_UP = "follow_up", _("customer follow-up to my ticket")
    OWNER_CHANGED = "owner_changed", _("ticket assigned to me")
    PENDING_REMINDER = "pending_reminder", _("pending reminder reached")


AGENT_KINDS = frozenset(
    {
        MailKind.NEW_TICKET,
        MailKind.FOLLOW_UP,
        MailKind.OWNER_CHANGED,
        MailKind.PENDING_REMINDER,
    }
)

# RFC 3834: an answer to a message is "auto-replied"; mail that answers
# nothing (a state change, an agent notification) is "auto-generated".
# A human agent's reply or forward is not automatic and carries neither.
AUTO_SUBMITTED = {
    MailKind.ACKNOWLEDGEMENT: "auto-replied",
    MailKind.RESOLVED: "auto-generated",
    MailKind.CLOSED: "auto-generated",
    MailKind.NEW_TICKET: "auto-generated",
    MailKind.FOLLOW_UP: "auto-generated",
    MailKind.OWNER_CHANGED: "auto-generated",
    MailKind.PENDING_REMINDER: "auto-generated",
}


def is_automatic(kind: MailKind) -> bool:
    return kind in AUTO_SUBMITTED
