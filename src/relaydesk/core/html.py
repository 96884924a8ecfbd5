"""HTML from outside (mail bodies, API input) made safe to store and show.

An allowlist sanitiser (nh3, i.e. ammonia): scripts, event handlers, styles
that can run code and unknown tags go; structure and text stay. The actions
layer sanitises every article's HTML on write, so no stored HTML needs
trusting later (SECURITY.md class 4).
"""

from __future__ import annotations

import nh3

from relaydesk.core.html_cost import is_too_costly, without_controls

# cid: inline images of a mail, pointing at its own attachments.
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})
# Beyond this, HTML is cut before sanitising: bounded time for any input.
MAX_HTML_CHARS = 1_000_000


def sanitize_html(html: str) -> str:
    """Safe HTML, or "" when the input would cost nh3 seconds (the text body stays).

    Whoever sends HTML — mail, API, portal — must not be able to hold a
    worker or a web process with a crafted document.
    """
    html = without_controls(html[:MAX_HTML_CHARS])
    if not html or is_too_costly(html):
        return ""
    return nh3.clean(
        html,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
    )
