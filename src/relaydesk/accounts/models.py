"""People and who they belong to: one user model for agents and customers."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from relaydesk.core.time import now


class Organisation(models.Model):
    """A customers' company; its members share their non-private tickets."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    domain = models.CharField(_("email domain"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class AgentGroup(models.Model):
    """A team of agents; queue access is granted to groups, never to single agents."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agent group")
        verbose_name_plural = _("agent groups")

    def __str__(self) -> str:
        return self.name


class UserKind(models.TextChoices):
    AGENT = "agent", _("Agent")
    CUSTOMER = "customer", _("Customer")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in and lookups by address ignore case, like the unique constraint.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).strip(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("kind", UserKind.AGENT)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An agent or a customer. Agents work tickets; customers raise them."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=UserKind.choices, default=UserKind.CUSTOMER
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    agent_groups = models.ManyToManyField(
        AgentGroup, verbose_name=_("agent groups"), blank=True, related_name="members"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("administrator"),
        default=False,
        help_text=_("May open the configuration (admin) pages."),
    )
    email_verified_at = models.DateTimeField(
        _("address confirmed"),
        null=True,
        blank=True,
        help_text=_("Empty for customers known only from their mail, until they confirm."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "The password is temporary (set by an administrator): the user must choose "
            "a new one at the next sign-in."
        ),
    )
    preferences = models.JSONField(_("preferences"), default=dict, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        indexes = [
            models.Index(fields=["organisation", "kind"], name="user_org_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def is_agent(self) -> bool:
        return self.kind == UserKind.AGENT

    @property
    def is_customer(self) -> bool:
        return self.kind == UserKind.CUSTOMER

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class LoginFailure(models.Model):
    """One refused sign-in, kept for the throttling window (accounts/throttle.py).

    Stored in the database so that every web process counts the same failures.
    `email` is what was typed (lower-cased), whether or not such an account exists.
    """

    email = models.CharField(_("email address"), max_length=254)
    address = models.GenericIPAddressField(_("client address"))
    created_at = models.DateTimeField(_("at"), default=now)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["email", "created_at"], name="loginfailure_email_idx"),
            models.Index(fields=["address", "created_at"], name="loginfailure_address_idx"),
            models.Index(fields=["created_at"], name="loginfailure_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.address} at {self.created_at:%Y-%m-%d %H:%M:%S}"
