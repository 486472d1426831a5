"""Text that a user gave (a link's value, a typed formula, a scenes file's line) shown in
Streamlit's Markdown exactly as it was written: no link, colour, icon, emphasis, maths or
HTML can come out of it.

Streamlit's Markdown works in two stages, and both have to be defeated:

- the parser (CommonMark with GFM, maths and directives): ``[a](b)``, ``**``, ``$x$``,
  ``<b>``, ``&lt;``, ``:red[...]`` are taken apart by a backslash before each mark that
  can start one (CommonMark shows ``\\*`` as ``*``); a list or a heading can only start
  the text, so a ``-``, ``+`` or ``1.`` there is escaped too;
- find-and-replace passes over the parsed text, after the backslashes are gone: bare
  addresses (``https://...``, ``www.x.y``, ``a@b.cd``) become links, and
  ``:material/name:``, ``:name:`` emoji and ``:streamlit:`` become icons. An invisible
  word joiner (U+2060) after a ``:`` or ``@`` that a letter follows, and between ``www``
  and its dot, leaves nothing for them to match; the text still reads the same.

A line break would start a new block (a heading, a list, a code block): it shows as a
space, as Markdown would show it inside a paragraph.
"""

from __future__ import annotations

import re

#: Invisible, and no line may break at it.
WORD_JOINER = "\u2060"
#: The marks that make a link, emphasis, code, maths, HTML, a table, a directive or an
#: entity, wherever they stand (CommonMark lets a backslash escape any punctuation).
SPECIAL = "[]()*_`~#:$<>\\|&"
_SPECIAL = re.compile(f"([{re.escape(SPECIAL)}])")
#: A list item, a heading's underline or a numbered item where the text starts.
_BLOCK_START = re.compile(r"^([-+=]|[0-9]+(?=[.)]))")
#: Where a text pass would find an icon, an emoji or a bare address.
_GLUED = re.compile(r"(?<=[:@])(?=\S)|(?<=www)(?=\.)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def plain(text: object) -> str:
    """``text`` as Markdown that Streamlit shows letter for letter (see the module's
    docstring); ordinary words come back unchanged."""
    text = _LINE_BREAK.sub(" ", str(text)).lstrip()  # Markdown drops leading spaces too
    text = _SPECIAL.sub(r"\\\1", _GLUED.sub(WORD_JOINER, text))
    return _BLOCK_START.sub(_escape_start, text)


def _escape_start(match: re.Match) -> str:
    mark = match.group(1)
    return mark + "\\" if mark[0].isdigit() else "\\" + mark
