"""Admin for the mail channel: accounts, templates, the inbound quarantine and
the outbox.

Inbound messages are read-only here; an operator acts on them only through
"process again" and "discard" (list actions, and buttons on a message's page),
which call the pipeline's own functions and record who did it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from relaydesk.accounts.models import User
from relaydesk.mail.inbound.process import OPERATOR_MAY_PROCESS, discard, reprocess
from relaydesk.mail.models import (
    InboundMessage,
    InboundStatus,
    MailAccount,
    MailTemplate,
    OutboundMessage,
)
from relaydesk.mail.views import inbound_raw

REASON_PREVIEW = 80


def post_button(url: str, label: str | Promise) -> SafeString:
    """A button that posts the surrounding admin form (with its CSRF token) to `url`."""
    return format_html(
        '<button type="submit" formmethod="post" formaction="{}">{}</button>', url, label
    )


class MailAccountForm(forms.ModelForm[MailAccount]):
    """The password is written, never shown: the field starts empty, and empty keeps it."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = MailAccount
        fields = (
            "name",
            "protocol",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "queue",
            "after_import",
            "move_to_folder",
            "is_active",
        )

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if password:
            return password
        if self.instance.pk is not None:
            return self.instance.password
        raise forms.ValidationError(_("This field is required."), code="required")


@admin.register(MailAccount)
class MailAccountAdmin(admin.ModelAdmin[MailAccount]):
    form = MailAccountForm
    list_display = (
        "name",
        "protocol",
        "host",
        "username",
        "queue",
        "is_active",
        "last_fetched_at",
        "short_error",
    )
    list_filter = ("protocol", "is_active", "queue")
    list_select_related = ("queue",)
    search_fields = ("name", "host", "username")
    readonly_fields = ("last_fetched_at", "last_error")

    @admin.display(description=_("last error"))
    def short_error(self, account: MailAccount) -> str:
        return truncatechars(account.last_error, REASON_PREVIEW)


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin[MailTemplate]):
    list_display = ("kind", "language", "queue", "subject", "is_active")
    list_filter = ("kind", "language", "queue", "is_active")
    list_select_related = ("queue",)
    search_fields = ("kind", "subject")


def operator(request: HttpRequest) -> User:
    """The signed-in administrator (the admin site lets no one else in)."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin[InboundMessage]):
    """Every inbound message; the quarantine is the status filter's "quarantined"."""

    list_display = (
        "received_at",
        "status",
        "short_reason",
        "message_id",
        "via",
        "queue",
        "ticket",
        "handled_by",
        "raw_link",
    )
    list_filter = ("status", "via", "account")
    list_select_related = ("queue", "ticket", "handled_by")
    search_fields = ("message_id", "=raw_sha256", "source", "reason")
    show_full_result_count = False
    actions = ("process_again", "discard_messages")
    readonly_fields = (
        "operations",
        "status",
        "reason",
        "received_at",
        "processed_at",
        "handled_by",
        "via",
        "account",
        "queue",
        "source",
        "message_id",
        "size",
        "raw_sha256",
        "raw_link",
        "ticket",
        "article",
        "match_method",
        "match_value",
        "duplicate_of",
    )
    fields = readonly_fields

    # Read-only: the rows are the pipeline's record; operators act through the actions.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_operate_permission(self, request: HttpRequest) -> bool:
        """May process again and discard (the model's change permission)."""
        return request.user.has_perm("mail.change_inboundmessage")

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        own = [
            # Not through admin_view: that redirects outsiders to the login page,
            # and raw mail must answer them 404, like a message that does not exist.
            path("<int:pk>/raw/", inbound_raw, name=f"{prefix}_raw"),
            path(
                "<int:pk>/process-again/",
                self.admin_site.admin_view(require_POST(self.process_again_view)),
                name=f"{prefix}_process_again",
            ),
            path(
                "<int:pk>/discard/",
                self.admin_site.admin_view(require_POST(self.discard_view)),
                name=f"{prefix}_discard",
            ),
        ]
        return own + super().get_urls()

    @admin.display(description=_("reason"))
    def short_reason(self, message: InboundMessage) -> str:
        return truncatechars(message.reason, REASON_PREVIEW)

    @admin.display(description=_("raw message"))
    def raw_link(self, message: InboundMessage) -> str:
        url = reverse("admin:mail_inboundmessage_raw", args=[message.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    @admin.display(description=_("operations"))
    def operations(self, message: InboundMessage) -> SafeString | str:
        """Buttons that post the page's own form (and its CSRF token) to the operations."""
        buttons: list[SafeString] = []
        if message.status in OPERATOR_MAY_PROCESS:
            again = reverse("admin:mail_inboundmessage_process_again", args=[message.pk])
            buttons.append(post_button(again, _("Process again")))
        if message.status in (InboundStatus.QUARANTINED, InboundStatus.RECEIVED):
            drop = reverse("admin:mail_inboundmessage_discard", args=[message.pk])
            buttons.append(post_button(drop, _("Discard")))
        return format_html_join(" ", "{}", ((button,) for button in buttons)) or "—"

    def _operate(self, request: HttpRequest, pk: int, *, again: bool) -> HttpResponse:
        if not self.has_operate_permission(request):
            raise Http404
        message = get_object_or_404(InboundMessage, pk=pk)
        done = (
            reprocess(message, actor=operator(request))
            if again
            else discard(message, actor=operator(request))
        )
        self.message_user(
            request,
            _("Message %(id)s: %(status)s.") % {"id": done.pk, "status": done.get_status_display()},
            messages.SUCCESS if done.status != InboundStatus.QUARANTINED else messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:mail_inboundmessage_change", args=[pk]))

    def process_again_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._operate(request, pk, again=True)

    def discard_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._operate(request, pk, again=False)

    @admin.action(description=_("Process again"), permissions=["operate"])
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        results = [reprocess(message, actor=operator(request)) for message in queryset]
        still = sum(1 for done in results if done.status == InboundStatus.QUARANTINED)
        self.message_user(
            request,
            ngettext(
                "%(count)d message processed again; %(still)d still in quarantine.",
                "%(count)d messages processed again; %(still)d still in quarantine.",
                len(results),
            )
            % {"count": len(results), "still": still},
            messages.WARNING if still else messages.SUCCESS,
        )

    @admin.action(description=_("Discard"), permissions=["operate"])
    def discard_messages(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        results = [discard(message, actor=operator(request)) for message in queryset]
        count = sum(1 for done in results if done.status == InboundStatus.DISCARDED)
        self.message_user(
            request,
            ngettext("%(count)d message discarded.", "%(count)d messages discarded.", count)
            % {"count": count},
        )


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin[OutboundMessage]):
    """The outbox, for inspection (failed and suppressed mail show why)."""

    list_display = ("created_at", "kind", "to_address", "status", "attempts", "ticket", "sent_at")
    list_filter = ("status", "kind", "is_automatic")
    list_select_related = ("ticket",)
    search_fields = ("to_address", "message_id", "subject")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
