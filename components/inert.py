"""The one way a value from the API (a dashboard, agent, metric or project name, a server
message) is put into Streamlit's markdown: as inert text.

Escaping markdown is not enough: the renderer's GFM autolinks turn a bare
`http://evil.example` or `www.evil.example` (and `someone@evil.example`) into live links
even when every special character is backslash-escaped. A zero-width joiner between `:` and `//`,
after `www` and after `@` breaks the pattern the autolinker looks for while the text reads the same.
"""

from __future__ import annotations

import re

ZWJ = "\u200d"
# `&` too: "&lt;" would otherwise show as "<", not as what was typed
_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$:&")
# what GFM's autolink-literal extension starts a link on
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def defang_links(text: str) -> str:
    """`http://x` -> `http:\u200d//x`: the same words, no autolink."""
    return _AUTOLINK_STARTS.sub(ZWJ, text)


def inert(text: object) -> str:
    """`text` as markdown that shows exactly those characters: no link, no emphasis, no
    HTML, no heading, no icon or emoji shortcode, no maths."""
    value = defang_links("" if text is None else str(text))
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in value)
