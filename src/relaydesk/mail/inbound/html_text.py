"""Plain text from an HTML mail body, in time bounded by the input's size.

nh3 (html5ever) first turns whatever arrived into well-formed HTML with only
the structure that matters for text; the standard library's HTMLParser then
walks that clean output, which cannot trigger its slow paths on malformed
markup. Input beyond HTML_TEXT_LIMIT characters is cut first: no message may
hold a worker for minutes (issue 3, "HTML-to-text taking minutes").

nh3 (html5ever and ammonia) is linear except in two respects: each block
start tag scans the stack of open elements, so thousands of unclosed
elements followed by thousands of blocks cost depth x tags (100,000 nested
<div> take a minute); and a text node or attribute value costs the square
of the character references and of the characters U+0080-U+00BF in it
(200,000 "&amp;" in one paragraph: 5 s; 300,000 "©": 3 s). C1 controls
(U+0080-U+009F, left by mislabelled Windows-1252) are removed first
(`without_controls`): no HTML needs them. `is_too_costly` estimates the rest
in one pass; such HTML is reduced to its text by stripping tags and never
given to nh3.
"""

from __future__ import annotations

import html as html_module
import re

import nh3

from relaydesk.core.html_cost import is_too_costly, without_controls

# About 0.2 s of nh3 and 0.2 s of text extraction on this machine: with the
# sanitising of the same HTML, a message stays well under a second.
HTML_TEXT_LIMIT = 1_000_000

# A blank line around these, a line break around the others.
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "hr"}
)
_LINES = frozenset(
    {"div", "tr", "li", "dt", "dd", "center", "header", "footer", "article", "caption", "figure"}
)
_CELLS = frozenset({"td", "th"})
_KEPT_TAGS = _PARAGRAPHS | _LINES | _CELLS | {"br", "li"}
# Their content is not text a reader sees.
_DROPPED_CONTENT = frozenset({"script", "style", "title", "head"})
_ANY_TAG = re.compile(r"<[^<>]*>")  # "[^<>]": a lone "<" must not make it quadratic

# After nh3, tags are exactly "<name>" or "</name>" (no attributes kept), so
# regular expressions running in C do the rest, in linear time. Block
# boundaries become markers first, so that a run of them yields one line break
# (or one blank line for paragraphs) however many tags stood there.
_LINE_MARK, _PARAGRAPH_MARK = "\x01", "\x02"
_PRE_BLOCK = re.compile(r"<pre>(.*?)</pre>", re.DOTALL)
_REPLACEMENTS = (
    (re.compile(r"<br>"), "\n"),
    (re.compile(r"<li>"), _LINE_MARK + "- "),
    (re.compile(r"<(?:td|th)>"), " "),
    (re.compile(rf"</?(?:{'|'.join(sorted(_PARAGRAPHS))})>"), _PARAGRAPH_MARK),
    (re.compile(rf"</?(?:{'|'.join(sorted(_LINES | {'li'}))})>"), _LINE_MARK),
    (_ANY_TAG, ""),
)
# A run of breaks starts at a newline or a marker, so that every match
# consumes what it scans (a pattern that could start at any space and then
# look for a marker would be quadratic on 50,000 <br>).
_BREAK_RUN = re.compile("[ ]?[\n\x01\x02][ \n\x01\x02]*")
_WHITESPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str, *, too_costly: bool | None = None) -> tuple[str, bool]:
    """The text a reader sees, and whether it was made roughly (tags stripped).

    Only the first HTML_TEXT_LIMIT characters are read. `too_costly` is
    `is_too_costly` of those, when the caller has it already.
    """
    html = without_controls(html[:HTML_TEXT_LIMIT])
    if is_too_costly(html) if too_costly is None else too_costly:
        stripped = html_module.unescape(_ANY_TAG.sub(" ", html))
        return _WHITESPACE.sub(" ", stripped).strip(), True
    clean = nh3.clean(
        html,
        tags=set(_KEPT_TAGS),
        attributes={},
        clean_content_tags=set(_DROPPED_CONTENT),
        strip_comments=True,
        link_rel=None,
    )
    pieces = []
    for index, segment in enumerate(_PRE_BLOCK.split(clean)):
        if index % 2:  # inside <pre>: whitespace is the text
            # No-break spaces survive the clean-up of breaks; they become spaces at the end.
            kept = _replace_tags(segment).replace(" ", "\xa0")
            pieces.append(_PARAGRAPH_MARK + kept + _PARAGRAPH_MARK)
        else:
            pieces.append(_replace_tags(_WHITESPACE.sub(" ", segment)))
    text = _BREAK_RUN.sub(_line_breaks, "".join(pieces))
    text = html_module.unescape(text).replace("\xa0", " ")
    return _BLANK_LINES.sub("\n\n", text).strip(), False


def _replace_tags(segment: str) -> str:
    for pattern, replacement in _REPLACEMENTS:
        segment = pattern.sub(replacement, segment)
    return segment


def _line_breaks(run: re.Match[str]) -> str:
    """One break for a run of block boundaries; a blank line if a paragraph is among them.

    A <br> at the end of a block adds nothing (as in a browser); one that is
    the whole content of a block (`<div><br></div>`, an empty line in Gmail
    and Outlook) adds a line.
    """
    text = run.group(0)
    wanted = 2 if _PARAGRAPH_MARK in text else 1 if _LINE_MARK in text else 0
    breaks = text.count("\n")
    if "\n" in text.strip(" \n"):
        return "\n" * (wanted + breaks)
    return "\n" * max(wanted, breaks)
