"""Validation of attribute values by type: each returns the value as stored
(JSON-safe, normalised) or raises ValidationFailed naming the attribute."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from relaydesk.cmdb.models import AttributeDefinition, AttributeKind, ConfigurationItem
from relaydesk.core.errors import ValidationFailed

TEXT_LIMIT = 1000
MAC = re.compile(r"^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$", re.IGNORECASE)
_url = URLValidator(schemes=["http", "https"])


class BadValue(ValueError):
    """A value that is not of its attribute's type; the message says why."""


def _text(definition: AttributeDefinition, value: str) -> str:
    if len(value) > TEXT_LIMIT:
        raise BadValue(_("is longer than %(limit)d characters") % {"limit": TEXT_LIMIT})
    return value


def _number(definition: AttributeDefinition, value: str) -> str:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise BadValue(_("%(value)s is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise BadValue(_("%(value)s is not a number") % {"value": value})
    return str(number)  # as text: JSON floats would lose digits


def _date(definition: AttributeDefinition, value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise BadValue(_("%(value)s is not a date (use YYYY-MM-DD)") % {"value": value}) from None


def _ip(definition: AttributeDefinition, value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise BadValue(_("%(value)s is not an IP address") % {"value": value}) from None


def _mac(definition: AttributeDefinition, value: str) -> str:
    if not MAC.match(value):
        raise BadValue(
            _("%(value)s is not a MAC address (like 00:1a:2b:3c:4d:5e)") % {"value": value}
        )
    digits = re.sub(r"[:-]", "", value).lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _url_value(definition: AttributeDefinition, value: str) -> str:
    try:
        _url(value)
    except ValidationError:
        raise BadValue(_("%(value)s is not an http(s) URL") % {"value": value}) from None
    return value


def _choice(definition: AttributeDefinition, value: str) -> str:
    allowed = definition.choice_list()
    if value not in allowed:
        raise BadValue(
            _("%(value)s is not one of %(allowed)s")
            % {"value": value, "allowed": ", ".join(allowed)}
        )
    return value


def _reference(definition: AttributeDefinition, value: str) -> int:
    items = ConfigurationItem.objects.all()
    if definition.reference_class_id is not None:
        items = items.filter(item_class_id=definition.reference_class_id)
    try:
        pk = int(value)
    except ValueError:
        pk = None
    if pk is None or not items.filter(pk=pk).exists():
        raise BadValue(_("there is no such item: %(value)s") % {"value": value})
    return pk


NORMALISERS: Mapping[str, Callable[[AttributeDefinition, str], Any]] = {
    AttributeKind.TEXT: _text,
    AttributeKind.SECRET: _text,
    AttributeKind.NUMBER: _number,
    AttributeKind.DATE: _date,
    AttributeKind.IP_ADDRESS: _ip,
    AttributeKind.MAC_ADDRESS: _mac,
    AttributeKind.URL: _url_value,
    AttributeKind.CHOICE: _choice,
    AttributeKind.REFERENCE: _reference,
}


def clean_value(definition: AttributeDefinition, raw: object) -> Any:
    """One attribute's value as stored, or None when empty; raises BadValue."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        if definition.required:
            raise BadValue(_("is required"))
        return None
    return NORMALISERS[definition.kind](definition, text)


def clean_attributes(
    definitions: list[AttributeDefinition], raw: Mapping[str, object], *, partial: bool = False
) -> dict[str, Any]:
    """Every given value checked against its class's definitions.

    Unknown keys are refused; with `partial`, attributes not given are left out
    (an update), else required ones must be there. All errors are reported at once.
    """
    by_key = {definition.key: definition for definition in definitions}
    errors = {
        key: _("%(class_key)s is not an attribute of this class") % {"class_key": key}
        for key in raw
        if key not in by_key
    }
    cleaned: dict[str, Any] = {}
    for key, definition in by_key.items():
        if partial and key not in raw:
            continue
        try:
            cleaned[key] = clean_value(definition, raw.get(key))
        except BadValue as error:
            errors[key] = f"{definition.label}: {error}"
    if errors:
        raise ValidationFailed(errors)
    return cleaned
