"""The font the annotated thumbnail writes with: a CJK font from Debian, or a clean fallback.

OpenCV's ``putText`` has only Hershey fonts (no Chinese), so labels are drawn with Pillow and a
CJK TrueType font found on the box. The installer puts Debian's ``fonts-wqy-microhei`` there
(1.6 MB download, 5 MB installed; ``fonts-noto-cjk`` is 57 MB and 91 MB installed, too much on
an SD card for a few dozen glyphs); Noto Sans CJK SC Bold (``fonts-noto-cjk``, on development
machines for the browser tests) is preferred where it is there. Without any, thumbnails are
written in English with Pillow's built-in font (``person 68%``): a warning is logged once and
each such thumbnail is counted in ``anju_edge_snapshot_font_fallback_total``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ImageFont

logger = logging.getLogger(__name__)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# (file, face index in a collection), first found wins. Noto's .ttc holds JP, KR, SC, TC, HK in
# that order: index 2 is Simplified Chinese (its glyph shapes are the mainland's).
# Noto's bold reads best on a small picture, so it goes first where a machine has it.
CJK_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),  # fonts-noto-cjk
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei (installer)
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback
)


@dataclass
class LabelFonts:
    """Fonts by pixel size from one file; ``cjk`` says whether Chinese can be written."""

    path: str | None
    index: int = 0
    _sizes: dict[int, Font] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cjk(self) -> bool:
        return self.path is not None

    def at(self, size: int) -> Font:
        with self._lock:
            font = self._sizes.get(size)
            if font is None:
                font = (
                    ImageFont.truetype(
                        self.path, size, index=self.index, layout_engine=ImageFont.Layout.BASIC
                    )
                    if self.path is not None
                    else ImageFont.load_default(size)
                )
                self._sizes[size] = font
            return font


def find_cjk_font(candidates: Sequence[tuple[str, int]] | None = None) -> LabelFonts:
    """The first candidate (default: ``CJK_FONT_CANDIDATES``) that exists and loads; else the
    fallback, with one warning."""
    candidates = CJK_FONT_CANDIDATES if candidates is None else candidates
    for path, index in candidates:
        if not Path(path).is_file():
            continue
        try:
            ImageFont.truetype(path, 12, index=index)
        except OSError as exc:
            logger.warning("CJK font %s could not be loaded (%s): trying the next", path, exc)
            continue
        logger.info("snapshot labels are written with %s", path)
        return LabelFonts(path, index)
    logger.warning(
        "no CJK font found (looked for %s): alert snapshots are labelled in English until "
        "one is installed (apt-get install fonts-wqy-microhei)",
        ", ".join(p for p, _ in candidates) or "none",
    )
    return LabelFonts(None)


_default: LabelFonts | None = None
_default_lock = threading.Lock()


def default_fonts() -> LabelFonts:
    """Looked up once per process: the search and its warning happen at the first alert."""
    global _default
    with _default_lock:
        if _default is None:
            _default = find_cjk_font()
        return _default
