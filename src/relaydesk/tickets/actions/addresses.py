"""Addresses an agent gives for outgoing mail (a forward's recipient, a reply's Cc):
bare addresses only, so that nothing typed or copied can add a header (SECURITY.md
class 6)."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address

from django.utils.translation import gettext as _

from relaydesk.core.errors import ValidationFailed

MAX_ADDRESS_LENGTH = 254


def is_bare_address(address: str) -> bool:
    """One plain `local@domain.tld`, nothing that could add a header line (class 6)."""
    if not address or len(address) > MAX_ADDRESS_LENGTH:
        return False
    if any(char in address for char in "\r\n,;<>\"'() \t") or not address.isprintable():
        return False
    try:
        parsed = Address(addr_spec=address)
    except (HeaderParseError, ValueError, IndexError):
        return False
    return bool(parsed.domain) and "." in parsed.domain


def clean_address(value: str, field: str = "to_address") -> str:
    """One bare address; anything else (a line break above all) is refused for `field`."""
    address = value.strip()
    if "\r" in value or "\n" in value:
        raise ValidationFailed(
            {
                field: _("an email address must not contain a line break: %(value)s")
                % {"value": repr(value)}
            }
        )
    if not is_bare_address(address):
        raise ValidationFailed({field: _("enter one email address")})
    return address


def split_addresses(value: str) -> list[str]:
    """The parts of a comma- (or semicolon-) separated address list."""
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def clean_address_list(value: str, field: str) -> str:
    """A list of bare addresses, each checked, joined by ", "; "" stays ""."""
    if "\r" in value or "\n" in value:
        raise ValidationFailed(
            {
                field: _("an email address must not contain a line break: %(value)s")
                % {"value": repr(value)}
            }
        )
    addresses = [clean_address(part, field) for part in split_addresses(value)]
    return ", ".join(dict.fromkeys(addresses))
