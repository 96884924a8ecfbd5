from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "relaydesk.core"
    label = "core"
    verbose_name = "Relaydesk core"
