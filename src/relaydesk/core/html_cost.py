"""How much work nh3 would have with an HTML text, estimated in linear time.

nh3 (html5ever and ammonia) is linear except in two respects: each block
start tag scans the stack of open elements, so thousands of unclosed elements
followed by thousands of blocks cost depth x tags (100,000 nested <div> take a
minute); and a text node or attribute value costs the square of the character
references and of the characters U+0080-U+00BF in it (200,000 "&amp;" in one
paragraph: 5 s). C1 controls (U+0080-U+009F) are removed first
(`without_controls`): no HTML needs them. `is_too_costly` estimates the rest
in one pass; such HTML must not be given to nh3.
"""

from __future__ import annotations

import re

# Elements that never stay open inside themselves (the parser closes them).
_SELF_CLOSING = frozenset(
    {"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rp"}
    | {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
    | {"param", "source", "track", "wbr"}
)
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)")
# About 0.3 s of html5ever's stack scans on this machine; real mail stays far below.
_NESTING_COST_LIMIT = 20_000_000
_CONTROLS = re.compile("[\x00\x80-\x9f]")
# Sum over tokens of (costly characters)^2: at most about 0.1 s on this machine.
_TEXT_COST_LIMIT = 1_000_000_000
_NOT_COSTLY = re.compile("[^<>&\xa0-\xbf]+")
_LONG_RUN = 256
# Anchored at the start of a run by the lookbehind: trying every position
# inside a run just short of the length would itself be quadratic.
_LONG_RUN_PATTERN = re.compile(f"(?<![^<>])[^<>]{{{_LONG_RUN},}}")


def without_controls(html: str) -> str:
    """HTML without NUL and C1 control characters: invisible, and slow for nh3."""
    return _CONTROLS.sub("", html)


def is_too_costly(html: str) -> bool:
    """Whether nh3 would take more than a fraction of a second on `html`."""
    return _is_too_deeply_nested(html) or _has_costly_text(html)


def _has_costly_text(html: str) -> bool:
    # Keep only the costly characters and the brackets that separate tokens.
    skeleton = _NOT_COSTLY.sub("", html)
    costly = len(skeleton) - skeleton.count("<") - skeleton.count(">")
    if costly**2 < _TEXT_COST_LIMIT:
        return False  # cannot reach the limit: skip the split
    # Runs shorter than _LONG_RUN add at most _LONG_RUN per character: an upper
    # bound that spares a Python loop over every tag.
    long_runs = [len(run) for run in _LONG_RUN_PATTERN.findall(skeleton)]
    short = costly - sum(long_runs)
    return sum(n * n for n in long_runs) + _LONG_RUN * short > _TEXT_COST_LIMIT


def _is_too_deeply_nested(html: str) -> bool:
    if html.count("<") ** 2 // 2 < _NESTING_COST_LIMIT:
        return False  # cannot reach the limit: skip the scan
    depth = cost = 0
    for closing, name in _TAG.findall(html.lower()):
        if closing:
            depth = depth - 1 if depth else 0  # a stray end tag closes nothing
        elif name not in _SELF_CLOSING:
            cost += depth
            depth += 1
        if cost > _NESTING_COST_LIMIT:
            return True
    return False
