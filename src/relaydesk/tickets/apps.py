from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "relaydesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        # Periodic jobs register themselves when their module is imported.
        from relaydesk.tickets import tasks  # noqa: F401
