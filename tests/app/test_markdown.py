"""A user's text in a message reads as typed: no link, colour, icon, emphasis, maths or
HTML comes out of a link's value, a typed formula or a scenes file's line.

Streamlit's Markdown has two stages (see momentum_app.config.markdown): the parser, which
a backslash before a punctuation mark stops, and find-and-replace passes over the parsed
text. The passes' patterns below are copied from Streamlit 1.67's frontend bundle
(StreamlitMarkdown.*.js and remark-emoji.*.js), in Python's spelling.
"""

from __future__ import annotations

import re

import pytest

from momentum_app.config.markdown import WORD_JOINER, plain
from momentum_app.ui import state
from tests.app.harness import page_at

# What Streamlit's text passes look for, once the parser has resolved the backslashes.
TEXT_PASSES = {
    "bare address": re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.I | re.A),
    "e-mail address": re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.A),
    "material icon": re.compile(r":material[_/](\w+):", re.A),
    "emoji": re.compile(r":\+1:|:-1:|:[\w-]+:", re.A),
}

#: What starts a link, emphasis, code, maths, HTML, a table, a directive or an entity.
MARKS = set("[]()*_`~#:$<>\\|&")

HOSTILE = [
    "[Click here](https://evil.example/login)",
    ":red[**alarm**] :material/warning: :material_warning: :smile: :streamlit:",
    "$x^2$ and $$\\int$$",
    "<b>bold</b> <a href='https://evil.example'>x</a> &lt;",
    "www.evil.example and mail@evil.example and HTTP://EVIL.EXAMPLE",
    "line one\n# a heading\n- a list\n\n    code",
    "*a* _b_ `c` ~d~ | e | \\",
    ":blue-background[x]{a=b} :small[y]",
    "- a list item",
    "+ another",
    "12. a numbered item",
    "    indented code",
]


def parsed(markdown: str) -> str:
    """The text the parser hands to the text passes: each backslash escape resolved (only a
    backslash before ASCII punctuation escapes; CommonMark keeps any other)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def unescaped_marks(markdown: str) -> list[str]:
    """The marks of ``markdown`` that can start a link, emphasis, code, maths, HTML, a
    table, a directive or an entity, and that no backslash escapes."""
    marks, escaped = [], False
    for char in markdown:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in MARKS:
            marks.append(char)
    return marks


def assert_literal(markdown: str) -> None:
    """Nothing in ``markdown`` can become a link, a colour, an icon, emphasis, maths or
    HTML in Streamlit's Markdown."""
    assert unescaped_marks(markdown) == [], markdown
    text = parsed(markdown)
    for name, pattern in TEXT_PASSES.items():
        assert not pattern.search(text), f"{name} in {text!r}"
    assert "\n" not in markdown and "\r" not in markdown
    # A list, a numbered list or a code block can only begin the text.
    assert not re.match(r"\s|[-+*]\s|[0-9]+[.)]", markdown), markdown


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_escaped_and_still_reads_as_typed(text):
    markdown = plain(text)
    assert_literal(markdown)
    assert parsed(markdown).replace(WORD_JOINER, "") == text.replace("\n", " ").lstrip()


@pytest.mark.parametrize(
    "name",
    [
        "Rosenbrock",
        "rastrigin",
        "Your own f",
        "Ça va 2024",
        "β α",
        'x = 0.5, y = -2; it\'s "fine"!',
    ],
)
def test_ordinary_names_come_back_unchanged(name):
    assert plain(name) == name


def test_the_patterns_would_catch_the_text_unescaped():
    """The test's own check is not vacuous: the raw hostile text trips it."""
    for text in HOSTILE[:2] + HOSTILE[4:5] + HOSTILE[-4:]:
        with pytest.raises(AssertionError):
            assert_literal(text)


def _messages(at) -> list[str]:
    return [e.value for kind in ("warning", "error", "info") for e in at.get(kind)]


def _quoting(at, needle: str) -> list[str]:
    """The page's messages that quote ``needle`` (as it reads once rendered)."""
    found = [m for m in _messages(at) if needle in parsed(m).replace(WORD_JOINER, "")]
    assert found, _messages(at)
    return found


@pytest.mark.parametrize(
    ("page", "query", "needle"),
    [
        ("pages/sweep.py", {"fn": HOSTILE[0]}, "[Click here](https://evil.example/login)"),
        ("pages/sweep.py", {"fn": HOSTILE[1]}, ":red[**alarm**] :material/warning:"),
        ("pages/playground.py", {"fn": "rastrigin", "param": "A:$x$,[q](http://e.x):1"},
         "[q](http://e.x)"),
        ("pages/playground.py", {"lr": "<b>1</b>"}, "<b>1</b>"),
        ("pages/playground.py", {"optimizers": "sgd,:rainbow[**x**]"}, ":rainbow[**x**]"),
        ("pages/local-minima.py", {"momentum": "www.evil.example"}, "www.evil.example"),
        ("pages/theory.py", {"kappa": ":material/warning:"}, ":material/warning:"),
        ("pages/playground.py", {"fn": "custom", "f": "x*y*[z](http://e.x)"},
         "x*y*[z](http://e.x)"),
        ("pages/playground.py", {"fn": "custom", "domain": "$1$,2,3,4"}, "$1$,2,3,4"),
        ("pages/playground.py", {"room": "[ab](http://e.x)"}, "[ab](http://e.x)"),
    ],
)  # fmt: skip
def test_a_link_s_values_show_as_typed_in_the_page_s_warnings(page, query, needle):
    at = page_at(page, query)
    for message in _quoting(at, needle):
        assert_literal(message)


def test_a_typed_formula_in_a_caption_is_no_emphasis():
    """The guide's caption names the playground's function: a formula with two ``*``
    lost them to italics."""
    at = page_at("pages/guide.py", {"fn": "custom", "f": "x*y*2 + y^2"})
    captions = [c.value for c in at.caption if "x*y*2" in parsed(c.value)]
    assert captions and r"x\*y\*2" in captions[0]


def test_the_page_s_warning_still_says_what_was_ignored():
    at = page_at("pages/sweep.py", {"fn": HOSTILE[0]})
    (message,) = _quoting(at, "Click here")
    assert parsed(message).replace(WORD_JOINER, "") == (
        f"Unknown function fn={HOSTILE[0]!r} in the link; showing rosenbrock."
    )
    assert message == state.plain(parsed(message).replace(WORD_JOINER, ""))
