"""Every response carries the site's Content Security Policy unless its view chose
a stricter one (SECURITY.md 4)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_pages_carry_the_site_policy_without_inline_code() -> None:
    response = Client().get("/agent/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
