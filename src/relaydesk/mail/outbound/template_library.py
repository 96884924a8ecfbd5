"""The only tags and filters a mail template may use (SECURITY.md class 9).

Mail templates are edited in the admin. Django's full built-ins would let such
a template read files (`include`, `extends`, `ssi`-like loaders), dump the
process (`debug`) or mark text as safe HTML (`safe`); this library offers the
harmless rest: conditions, loops and formatting.
"""

from __future__ import annotations

from django.template import Library, defaultfilters, defaulttags

ALLOWED_TAGS = ("if", "for", "with", "firstof", "comment", "spaceless", "now", "cycle")
ALLOWED_FILTERS = (
    "capfirst",
    "cut",
    "date",
    "default",
    "default_if_none",
    "first",
    "join",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "lower",
    "time",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "urlize",
    "wordwrap",
    "yesno",
)

register = Library()
for _name in ALLOWED_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_FILTERS:
    # Registering the function object keeps its is_safe/needs_autoescape flags.
    register.filter(_name, defaultfilters.register.filters[_name])
