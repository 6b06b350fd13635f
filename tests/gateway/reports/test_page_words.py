"""The report pages' words: both languages have every word, zh-CN has no English in it, and
the alert vocabulary is the officers' console's own (web/console/i18n.js), word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anju_gateway.web import words
from anju_gateway.web.pages import ENV

I18N = Path(words.__file__).resolve().parent / "console" / "i18n.js"
# Format names an officer reads as such on a Chinese screen; placeholders are filled in.
ACRONYMS = re.compile(r"\b(CSV|JSON|SVG)\b|\{[a-z]+\}")


def console_group(lang: str, group: str) -> dict[str, str]:
    text = I18N.read_text(encoding="utf-8")
    section = text[text.index(f"\n  {lang}: {{") :]
    block = re.search(rf"\b{group}: \{{([^}}]*)\}}", section)
    assert block is not None, (lang, group)
    return dict(re.findall(r'(\w+): "([^"]*)"', block.group(1)))


@pytest.mark.parametrize(
    ("table", "group"),
    [(words.KIND, "kind"), (words.STATE, "state"), (words.SEVERITY, "severity"),
     (words.ROLE, "role")],
)  # fmt: skip
def test_alert_words_are_the_consoles(table: dict[str, dict[str, str]], group: str) -> None:
    for lang in words.LANGS:
        assert table[lang] == console_group(lang, group), (lang, group)


def test_both_languages_have_every_word() -> None:
    assert words.WORDS["zh"].keys() == words.WORDS["en"].keys()
    assert words.WORDS["zh"]["console"] == "民警工作台"


def test_no_english_in_the_chinese_words() -> None:
    toggles = {"switch", "other_lang"}  # the way to the other language, in that language
    for key, text in words.WORDS["zh"].items():
        if key not in toggles:
            assert not re.search(r"[A-Za-z]", ACRONYMS.sub("", text)), (key, text)


def test_templates_escape_what_they_are_given() -> None:
    for name in ("base.html", "daily.html", "analytics.html"):
        assert ENV.autoescape is True or ENV.autoescape(name)  # type: ignore[operator]
    assert ENV.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"
