"""Annotated pictures people can read: zones, boxes and Chinese labels that never overlap, a
legend strip (rule, zone, local time, camera), in a JPEG thumbnail within the 60 KB budget.

Drawn only when an alert is raised, on the pipeline's annotate thread (never on an inference
worker). The picture is first scaled to the thumbnail's width, so labels are drawn at the size
they are seen and drawing costs what a 640 px picture costs, whatever the camera's resolution.
Boxes and zones are drawn with OpenCV; text with Pillow and a CJK font (``fonts.py``), placed by
``layout.place_labels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage
from PIL import ImageDraw

from anju_contracts import AlertKind
from anju_contracts.alert import MAX_THUMBNAIL_BYTES
from anju_edge.camera.fonts import Font, LabelFonts, default_fonts
from anju_edge.camera.glossary import class_name_zh, rule_name_zh
from anju_edge.camera.layout import Rect, place_labels
from anju_edge.detect.api import Detection
from anju_edge.metrics import SNAPSHOT_FONT_FALLBACK

Image = npt.NDArray[np.uint8]
Point = tuple[float, float]
BGR = tuple[int, int, int]

# Colours are BGR: Pillow draws on the same BGR array, so one tuple serves both libraries.
RED: BGR = (40, 40, 230)  # the objects that fired the rule
GREEN: BGR = (60, 170, 60)  # other objects the rules look at (context)
AMBER: BGR = (0, 190, 255)  # the zone of the rule that fired
GREY: BGR = (200, 200, 200)  # the camera's other rule zones
WHITE: BGR = (255, 255, 255)
BLACK: BGR = (0, 0, 0)
LEGEND_BG: BGR = (34, 34, 34)

THUMBNAIL_MAX_WIDTH = 640
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True, slots=True)
class ZoneView:
    """A zone to draw: ``fired`` for the rule's own zone (shaded), others only outlined."""

    id: str
    name: str
    polygon: Sequence[Point]
    fired: bool = False


@dataclass(frozen=True, slots=True)
class Legend:
    """What the strip under the picture says (names, ids for a font without Chinese)."""

    kind: AlertKind
    zone_id: str
    zone_name: str
    camera_id: str
    camera_name: str
    time: datetime  # the box's local time (its configured timezone)


def label_text(detection: Detection, cjk: bool) -> str:
    name = class_name_zh(detection.label) if cjk else detection.label
    return f"{name} {round(detection.score * 100)}%"


def _shown(name: str, ident: str, cjk: bool) -> str:
    """A display name, or the id where the font cannot write the name."""
    if name and (cjk or name.isascii()):
        return name
    return ident


def _label_px(width: int) -> int:
    return max(11, round(width / 40))  # 16 px on a 640 px thumbnail


def _legend_px(width: int) -> int:
    return max(11, round(width / 36))  # 18 px


def _text_metrics(font: Font) -> tuple[int, int]:
    """(height of a line, how far above the drawing point its tallest glyph starts)."""
    _, top, _, bottom = font.getbbox("人Ag")
    return int(bottom - top + 0.5), int(top)


def _text_width(font: Font, text: str) -> int:
    return int(font.getlength(text) + 0.5)


def _box_rect(d: Detection, scale: float) -> Rect:
    return (
        round(d.x1 * scale),
        round(d.y1 * scale),
        round(d.x2 * scale),
        round(d.y2 * scale),
    )


def _zone_points(polygon: Sequence[Point], w: int, h: int) -> npt.NDArray[np.int32]:
    return np.array([[round(x * w), round(y * h)] for x, y in polygon], np.int32)


def draw_zone(image: Image, polygon: Sequence[Point], fired: bool = True) -> Image:
    """The rule's zone shaded and outlined in amber; another zone only outlined in grey."""
    h, w = image.shape[:2]
    pts = _zone_points(polygon, w, h)
    if fired:
        overlay = image.copy()
        cv2.fillPoly(overlay, [pts], AMBER)
        out = cast(Image, cv2.addWeighted(overlay, 0.18, image, 0.82, 0))
        cv2.polylines(out, [pts], True, AMBER, max(2, round(max(h, w) / 320)), cv2.LINE_AA)
        return out
    out = image.copy()
    cv2.polylines(out, [pts], True, GREY, max(1, round(max(h, w) / 640)), cv2.LINE_AA)
    return out


def _draw_boxes(
    image: Image, detections: Sequence[Detection], fired: Sequence[Detection], scale: float
) -> None:
    """Context boxes thin and green, then the fired ones thick and red on top."""
    w = image.shape[1]
    thin, thick = max(1, round(w / 640)), max(3, round(w / 213))
    fired_ids = {id(d) for d in fired}
    for d in detections:
        if id(d) not in fired_ids:
            x1, y1, x2, y2 = _box_rect(d, scale)
            cv2.rectangle(image, (x1, y1), (x2, y2), GREEN, thin)
    for d in fired:
        x1, y1, x2, y2 = _box_rect(d, scale)
        cv2.rectangle(image, (x1, y1), (x2, y2), RED, thick)


@dataclass(frozen=True, slots=True)
class _Label:
    text: str
    anchor: Rect  # the box or zone it names
    background: BGR
    foreground: BGR


@dataclass(frozen=True, slots=True)
class PlacedLabel:
    """A label as drawn: its text on ``background`` filling ``rect`` (thumbnail pixels)."""

    text: str
    rect: Rect
    background: BGR
    foreground: BGR


def _place(
    labels: Sequence[_Label], font: Font, width: int, height: int, avoid: Sequence[Rect]
) -> list[PlacedLabel]:
    line, _ = _text_metrics(font)
    pad_x, pad_y = _label_padding(line)
    sizes = [(_text_width(font, lb.text) + 2 * pad_x, line + 2 * pad_y) for lb in labels]
    rects = place_labels([lb.anchor for lb in labels], sizes, width, height, avoid)
    return [
        PlacedLabel(lb.text, rect, lb.background, lb.foreground)
        for lb, rect in zip(labels, rects, strict=True)
        if rect is not None
    ]


def _label_padding(line: int) -> tuple[int, int]:
    return max(2, line // 5), max(1, line // 10)


def _draw_labels(draw: ImageDraw.ImageDraw, placed: Sequence[PlacedLabel], font: Font) -> None:
    line, top = _text_metrics(font)
    pad_x, pad_y = _label_padding(line)
    for lb in placed:
        x1, y1, x2, y2 = lb.rect
        draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=lb.background)
        draw.text((x1 + pad_x, y1 + pad_y - top), lb.text, font=font, fill=lb.foreground)


def _object_labels(
    detections: Sequence[Detection], fired: Sequence[Detection], scale: float, cjk: bool
) -> tuple[list[_Label], list[_Label]]:
    """(fired, context) labels, each by score: when a crowd leaves no room, context goes."""
    fired_ids = {id(d) for d in fired}
    ordered = sorted(detections, key=lambda d: -d.score)
    return (
        [
            _Label(label_text(d, cjk), _box_rect(d, scale), RED, WHITE)
            for d in ordered
            if id(d) in fired_ids
        ],
        [
            _Label(label_text(d, cjk), _box_rect(d, scale), GREEN, WHITE)
            for d in ordered
            if id(d) not in fired_ids
        ],
    )


def draw_detections(
    image: Image,
    detections: Sequence[Detection],
    highlight: Sequence[Detection] = (),
    fonts: LabelFonts | None = None,
) -> Image:
    """Boxes and non-overlapping labels at the picture's own size (``anju edge detect
    --annotate``); ``highlight`` (some of ``detections``) are drawn as the objects that fired."""
    fonts = fonts or default_fonts()
    out = image.copy()
    h, w = out.shape[:2]
    _draw_boxes(out, detections, highlight, 1.0)
    fired, context = _object_labels(detections, highlight, 1.0, fonts.cjk)
    font = fonts.at(_label_px(w))
    placed = _place(fired + context, font, w, h, [_box_rect(d, 1.0) for d in detections])
    canvas = PILImage.fromarray(out)
    _draw_labels(ImageDraw.Draw(canvas), placed, font)
    return np.asarray(canvas, np.uint8).copy()


def thumbnail_size(width: int, height: int) -> tuple[int, int, float]:
    """(width, height, scale) of a picture drawn for a thumbnail: at most 640 px wide."""
    w = min(THUMBNAIL_MAX_WIDTH, width)
    scale = w / width
    return w, max(1, round(height * scale)), scale


def plan_labels(
    size: tuple[int, int],
    detections: Sequence[Detection],
    fired: Sequence[Detection],
    zones: Sequence[ZoneView],
    fonts: LabelFonts,
) -> list[PlacedLabel]:
    """The labels ``render_snapshot`` draws on a picture of ``size`` (width, height) and where,
    in the thumbnail's pixels, without drawing anything. Placed in this order: the fired
    zone's name, the fired objects, the other zones' names, the other objects."""
    width, height, scale = thumbnail_size(*size)
    fired_objects, context = _object_labels(detections, fired, scale, fonts.cjk)

    def zone_label(z: ZoneView) -> _Label:
        rect = _zone_rect(z.polygon, width, height)
        return _Label(_shown(z.name, z.id, fonts.cjk), rect, AMBER if z.fired else GREY, BLACK)

    labels = (
        [zone_label(z) for z in zones if z.fired]
        + fired_objects
        + [zone_label(z) for z in zones if not z.fired]
        + context
    )
    avoid = [_box_rect(d, scale) for d in detections]
    return _place(labels, fonts.at(_label_px(width)), width, height, avoid)


def _fit(font: Font, text: str, width: int, ellipsis: str) -> str:
    if _text_width(font, text) <= width:
        return text
    while text and _text_width(font, text + ellipsis) > width:
        text = text[:-1]
    return text + ellipsis


def legend_lines(legend: Legend, cjk: bool) -> list[str]:
    """The legend's two halves, (rule · zone) and (local time · camera): drawn on one line
    joined by ``·``, or on two when one would not fit."""
    rule = rule_name_zh(legend.kind) if cjk else legend.kind.value
    zone = _shown(legend.zone_name, legend.zone_id, cjk)
    camera = _shown(legend.camera_name, legend.camera_id, cjk)
    when = legend.time.strftime(TIME_FORMAT)
    return [f"{rule} · {zone}", f"{when} · {camera}"]


def _legend_strip(legend: Legend, fonts: LabelFonts, width: int) -> tuple[Image, list[str], Font]:
    font = fonts.at(_legend_px(width))
    line, _ = _text_metrics(font)
    pad = max(3, line // 4)
    marker = line  # a red square: the colour of the boxes that fired
    room = width - 3 * pad - marker
    first, second = legend_lines(legend, fonts.cjk)
    ellipsis = "…" if fonts.cjk else "..."
    joined = f"{first} · {second}"
    lines = (
        [joined]
        if _text_width(font, joined) <= room
        else [_fit(font, t, room, ellipsis) for t in (first, second)]
    )
    strip = np.empty((len(lines) * (line + pad) + pad, width, 3), np.uint8)
    strip[:] = LEGEND_BG
    return strip, lines, font


def render_snapshot(
    image: Image,
    detections: Sequence[Detection],
    fired: Sequence[Detection],
    zones: Sequence[ZoneView],
    legend: Legend,
    fonts: LabelFonts | None = None,
) -> Image:
    """The alert's picture at thumbnail width: zones, boxes, labels, and the legend below.
    ``detections`` are in ``image``'s pixels; ``fired`` are those of them that fired the rule."""
    fonts = fonts or default_fonts()
    h0, w0 = image.shape[:2]
    width, height, scale = thumbnail_size(w0, h0)
    picture = (
        image.copy()
        if width == w0
        else cast(Image, cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    )
    for zone in sorted(zones, key=lambda z: z.fired):  # the fired zone last, on top
        picture = draw_zone(picture, zone.polygon, zone.fired)
    _draw_boxes(picture, detections, fired, scale)
    strip, lines, legend_font = _legend_strip(legend, fonts, width)
    canvas = PILImage.fromarray(np.vstack([picture, strip]))
    draw = ImageDraw.Draw(canvas)
    placed = plan_labels((w0, h0), detections, fired, zones, fonts)
    _draw_labels(draw, placed, fonts.at(_label_px(width)))

    line, top = _text_metrics(legend_font)
    pad = max(3, line // 4)
    y = height + pad
    draw.rectangle((pad, y, pad + line - 1, y + line - 1), fill=RED)
    for text in lines:
        draw.text((2 * pad + line, y - top), text, font=legend_font, fill=WHITE)
        y += line + pad
    return np.asarray(canvas, np.uint8).copy()


def _zone_rect(polygon: Sequence[Point], w: int, h: int) -> Rect:
    pts = _zone_points(polygon, w, h)
    return (int(pts[:, 0].min()), int(pts[:, 1].min()), int(pts[:, 0].max()), int(pts[:, 1].max()))


def thumbnail_jpeg(image: Image, max_bytes: int = MAX_THUMBNAIL_BYTES) -> bytes:
    """Largest-looking JPEG under the budget: shrink to 640 px wide, then lower the quality,
    then the size, until it fits."""
    h, w = image.shape[:2]
    width = min(THUMBNAIL_MAX_WIDTH, w)
    quality = 80
    while True:
        scaled = (
            image
            if width == w
            else cv2.resize(
                image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA
            )
        )
        ok, buf = cv2.imencode(".jpg", scaled, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(buf) <= max_bytes:
            return bytes(buf)
        if quality > 40:
            quality -= 10
        elif width > 32:
            width = max(32, int(width * 0.75))
        elif quality > 20:
            quality = 20
        else:  # a budget no picture fits: say so rather than loop forever
            raise ValueError(f"no JPEG fits in {max_bytes} bytes")


def alert_snapshot(
    image: Image,
    detections: Sequence[Detection],
    fired: Sequence[Detection],
    zones: Sequence[ZoneView],
    legend: Legend,
    fonts: LabelFonts | None = None,
    max_bytes: int = MAX_THUMBNAIL_BYTES,
) -> bytes:
    """The alert's thumbnail: ``render_snapshot`` as a JPEG of at most ``max_bytes``."""
    fonts = fonts or default_fonts()
    if not fonts.cjk:
        SNAPSHOT_FONT_FALLBACK.inc()
    return thumbnail_jpeg(
        render_snapshot(image, detections, fired, zones, legend, fonts), max_bytes
    )
