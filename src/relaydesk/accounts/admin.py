"""Admin for people and teams. Agents' queue access is edited on the queue."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts import throttle
from relaydesk.accounts.models import AgentGroup, LoginFailure, Organisation, User
from relaydesk.core.net import UNKNOWN_ADDRESS, client_address


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's own sign-in counts failures like the agent sign-in, so that it
    is no way around the throttle (nor tells a correct password by its message)."""

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else UNKNOWN_ADDRESS
        if email and throttle.is_throttled(email=email, address=address):
            raise ValidationError(throttle.refusal_message(), code="throttled")
        try:
            cleaned: dict[str, Any] = super().clean()
        except ValidationError:
            if email:
                throttle.record_failure(email=email, address=address)
            raise
        throttle.clear_failures(email=email)
        return cleaned


admin.site.login_form = ThrottledAdminAuthenticationForm


class RelaydeskUserCreationForm(UserCreationForm):  # type: ignore[type-arg]
    """An account made by an administrator starts with a temporary password."""

    class Meta:
        model = User
        fields = ("email", "name", "kind", "organisation", "must_change_password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["must_change_password"].initial = True


class RelaydeskPasswordChangeForm(AdminPasswordChangeForm):  # type: ignore[type-arg]
    """A password an administrator sets here is temporary: the user chooses their
    own at the next sign-in (one's own password is changed in the agent interface)."""

    def save(self, commit: bool = True) -> Any:
        self.user.must_change_password = True
        return super().save(commit=commit)


class RelaydeskUserChangeForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    form = RelaydeskUserChangeForm
    add_form = RelaydeskUserCreationForm
    change_password_form = RelaydeskPasswordChangeForm
    ordering = ("email",)
    list_display = ("email", "name", "kind", "organisation", "is_active", "is_staff")
    list_filter = ("kind", "is_active", "is_staff", "agent_groups", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("email", "name")
    filter_horizontal = ("agent_groups",)
    autocomplete_fields = ("organisation",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("name", "kind", "organisation", "language", "timezone")}),
        (_("Agent"), {"fields": ("agent_groups",)}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "must_change_password",
                    "last_login",
                )
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "name",
                    "kind",
                    "organisation",
                    "password1",
                    "password2",
                    "must_change_password",
                ),
            },
        ),
    )
    readonly_fields = ("last_login",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "domain", "is_active")
    search_fields = ("name", "domain")


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin[AgentGroup]):
    list_display = ("name", "description")
    search_fields = ("name",)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin[LoginFailure]):
    """Failed sign-ins of the throttling window; deleting them lifts a block."""

    list_display = ("created_at", "email", "address")
    search_fields = ("email", "address")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "email", "address")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
