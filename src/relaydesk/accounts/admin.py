"""Admin for people and teams. Agents' queue access is edited on the queue."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import AgentGroup, Organisation, User


class RelaydeskUserCreationForm(UserCreationForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ("email", "name", "kind", "organisation")


class RelaydeskUserChangeForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    form = RelaydeskUserChangeForm
    add_form = RelaydeskUserCreationForm
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
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "kind", "organisation", "password1", "password2"),
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
