from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relaydesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"
