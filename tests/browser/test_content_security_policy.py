"""The site-wide Content Security Policy (SECURITY.md 4) in a real browser: the
agent pages run under it without a single violation, so nothing of ours needs
inline code, and an injected inline script would not run."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_pages_load_under_the_policy_without_violations(
    agent_page: Any, directory: Directory
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support, title="Toner empty")
    violations: list[str] = []
    agent_page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in (
        "/agent/",
        "/agent/queues/",
        "/agent/tickets/",
        f"/agent/tickets/{ticket.number}/",
        "/agent/search/?q=toner",
        "/agent/preferences/",
    ):
        response = agent_page.goto(path)
        assert response is not None, path
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        agent_page.wait_for_load_state("networkidle")

    # The policy is really enforced: an inline script added to the page is refused.
    agent_page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.injected = true';
                   document.body.appendChild(s); }"""
    )
    assert agent_page.evaluate("() => window.injected === true") is False
    assert any("inline script" in text for text in violations)
    violations.clear()
    agent_page.reload()
    agent_page.wait_for_load_state("networkidle")
    assert violations == []
