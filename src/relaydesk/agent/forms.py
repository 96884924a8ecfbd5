"""Forms of the agent interface."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    """Email address and password; checking them is the view's job (throttling first)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember_me = forms.BooleanField(
        label=_("Keep me signed in on this device"),
        required=False,
        help_text=_("Otherwise you are signed out when the browser is closed."),
    )


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, new twice, the validators), and a new password
    must differ from the old one — a temporary password cannot be kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields["old_password"].label = _("Current password")

    def clean_new_password1(self) -> str:
        new: str = self.cleaned_data["new_password1"]
        if self.user.check_password(new):
            raise forms.ValidationError(
                _("The new password must differ from the current one."), code="password_unchanged"
            )
        return new
