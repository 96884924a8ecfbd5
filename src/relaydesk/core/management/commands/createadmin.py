"""`createadmin`: create or update an administrator (an agent with all rights).

Run as `relaydesk createadmin` (which prompts for the password when none is
given) or `relaydesk manage createadmin --password …`. Running it again for the
same address updates that account, so provisioning scripts may repeat it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from relaydesk.accounts.models import User, UserKind

# The exit code for bad input, like argparse's for a bad option.
EXIT_BAD_INPUT = 2


def clean_email(raw: str) -> str:
    email = User.objects.normalize_email(raw.strip())
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CommandError(
            f"{raw!r} is not a valid email address", returncode=EXIT_BAD_INPUT
        ) from exc
    return email


def check_password(password: str, *, email: str, name: str) -> None:
    try:
        # An unsaved user, so that the similarity check compares with the
        # address and name this account will have.
        validate_password(password, user=User(email=email, name=name))
    except ValidationError as exc:
        raise CommandError(
            "password refused: " + " ".join(exc.messages), returncode=EXIT_BAD_INPUT
        ) from exc


def save_admin(*, email: str, password: str, name: str | None) -> tuple[User, bool]:
    """Create the administrator, or promote and update the account with this address.

    Returns the user and whether it was created.
    """
    email = clean_email(email)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        check_password(password, email=email, name=name or (user.name if user else ""))
        if user is None:
            return User.objects.create_superuser(email, password, name=name or ""), True
        user.kind = UserKind.AGENT
        user.is_active = user.is_staff = user.is_superuser = True
        if name is not None:
            user.name = name
        user.set_password(password)
        user.save()
        return user, False


class Command(BaseCommand):
    help = "Create an administrator, or update the one with this email address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default=None)

    def handle(
        self, *args: Any, email: str, password: str, name: str | None, **options: Any
    ) -> None:
        user, created = save_admin(email=email, password=password, name=name)
        self.stdout.write(f"{'Created' if created else 'Updated'} administrator {user.email}")
