"""HTML from outside (mail bodies, API input) made safe to store and show.

An allowlist sanitiser (nh3, i.e. ammonia): scripts, event handlers, styles
that can run code and unknown tags go; structure and text stay. The actions
layer sanitises every article's HTML on write, so no stored HTML needs
trusting later (SECURITY.md class 4).
"""

from __future__ import annotations

import nh3

# cid: inline images of a mail, pointing at its own attachments.
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})


def sanitize_html(html: str) -> str:
    if not html:
        return ""
    return nh3.clean(
        html,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
    )
