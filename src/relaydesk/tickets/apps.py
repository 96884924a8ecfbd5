from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "relaydesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        # Event handlers register themselves on import.
        from relaydesk.tickets import handlers  # noqa: F401
