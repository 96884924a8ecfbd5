from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentConfig(AppConfig):
    """The agent web interface at /agent/ (docs/agent.md)."""

    name = "relaydesk.agent"
    label = "agent"
    verbose_name = _("Agent interface")
