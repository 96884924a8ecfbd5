from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "relaydesk.mail"
    label = "mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        # Event subscribers and periodic jobs register themselves on import.
        from relaydesk.mail import fetch_tasks, outbound_tasks, tasks  # noqa: F401
        from relaydesk.mail.outbound import subscribers  # noqa: F401
