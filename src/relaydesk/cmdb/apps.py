from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmdbConfig(AppConfig):
    name = "relaydesk.cmdb"
    label = "cmdb"
    verbose_name = _("IT documentation")

    def ready(self) -> None:
        # Ticket events of linked tickets become logbook entries of their items.
        from relaydesk.cmdb import handlers  # noqa: F401
