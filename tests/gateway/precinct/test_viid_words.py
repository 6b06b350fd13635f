"""The console's 视图库 page has words, in both languages, for every state the link keeps."""

from __future__ import annotations

import re
from pathlib import Path

from anju_gateway.precinct.viid_config import LINK_STATES

ROOT = Path(__file__).resolve().parents[3]
LINK = ROOT / "gateway/anju_gateway/precinct/viid_link.py"
WORDS = ROOT / "gateway/anju_gateway/web/console/admin_i18n.js"


def test_every_state_the_link_sets_is_listed() -> None:
    source = LINK.read_text()
    set_here = set(re.findall(r'state(?:, wait)? = "(\w+)"|state="(\w+)"', source))
    set_here |= {(x, "") for x in re.findall(r'_state\([^,]+, s, "(\w+)"', source)}
    set_here |= {(x, "") for x in re.findall(r'state = "\w+" if [^\n]* else "(\w+)"', source)}
    found = {a or b for a, b in set_here}
    assert found and found <= set(LINK_STATES), found - set(LINK_STATES)
    assert {"auth_failed", "registered", "unreachable"} <= found


def test_the_page_has_words_for_every_state_in_both_languages() -> None:
    text = WORDS.read_text()
    blocks = re.findall(r"vi_state: \{(.*?)\}", text, re.S)
    hints = re.findall(r"vi_state_hint: \{(.*?)\}", text, re.S)
    assert len(blocks) == 2 and len(hints) == 2  # zh, then en
    for block in blocks + hints:
        keys = set(re.findall(r"(\w+): \"", block))
        assert set(LINK_STATES) | {"disabled"} <= keys, set(LINK_STATES) - keys
