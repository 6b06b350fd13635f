"""Snapshots people can read: Chinese labels in a CJK font that never overlap each other or
leave the picture, every rule zone drawn, the fired box set apart, a legend strip, 60 KB at most,
and a clean English fallback when the box has no CJK font."""

from __future__ import annotations

import logging
from datetime import datetime
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw
from prometheus_client import REGISTRY

from anju_contracts import AlertKind
from anju_contracts.alert import MAX_THUMBNAIL_BYTES
from anju_edge.camera import fonts as fonts_module
from anju_edge.camera.annotate import (
    AMBER,
    GREEN,
    GREY,
    LEGEND_BG,
    RED,
    Legend,
    ZoneView,
    alert_snapshot,
    legend_lines,
    plan_labels,
    render_snapshot,
    thumbnail_size,
)
from anju_edge.camera.fonts import LabelFonts, find_cjk_font
from anju_edge.camera.layout import Rect, inside, overlap, place_labels
from anju_edge.detect.api import Detection

PLAZA = Path(__file__).resolve().parents[3] / "firmware-sim" / "anju_sim" / "media" / "plaza.jpg"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NO_FONT = LabelFonts(None)


def plaza(width: int = 1920, height: int = 1080) -> np.ndarray:
    image = cv2.imread(str(PLAZA), cv2.IMREAD_COLOR)
    assert image is not None
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)


def crowd(width: int = 1920, height: int = 1080) -> list[Detection]:
    """Thirty people packed into the top right corner (where the English labels used to pile
    up), two cars, and boxes touching the picture's edges."""
    rng = np.random.default_rng(7)
    people = []
    for i in range(30):
        x = float(rng.uniform(0.70, 0.97) * width)
        y = float(rng.uniform(0.0, 0.25) * height)
        w, h = float(rng.uniform(25, 60)), float(rng.uniform(70, 150))
        people.append(
            Detection("person", round(0.4 + 0.019 * i, 3), x, y, min(width, x + w), y + h)
        )
    cars = [
        Detection("car", 0.81, 0.0, 0.0, 260.0, 140.0),  # in the top left corner
        Detection("motorcycle", 0.66, width - 120.0, height - 90.0, float(width), float(height)),
    ]
    return people + cars


def legend(**names: str) -> Legend:
    return Legend(
        kind=AlertKind.crowd,
        zone_id="plaza",
        zone_name=names.get("zone", "中心广场"),
        camera_id="plaza-cam",
        camera_name=names.get("camera", "广场摄像机"),
        time=datetime(2026, 12, 2, 22, 45, 37, tzinfo=SHANGHAI),
    )


ZONES = [
    ZoneView("plaza", "中心广场", [(0.05, 0.3), (0.95, 0.3), (0.95, 0.95), (0.05, 0.95)], True),
    ZoneView("lane", "消防通道", [(0.6, 0.02), (0.98, 0.02), (0.98, 0.28), (0.6, 0.28)]),
]


@pytest.fixture(scope="module")
def cjk() -> LabelFonts:
    fonts = find_cjk_font()
    assert fonts.cjk, (
        "no CJK font on this machine: `make test` installs Debian's fonts-noto-cjk "
        "(an edge box gets fonts-wqy-microhei from the installer)"
    )
    return fonts


def assert_apart_and_inside(rects: list[Rect], width: int, height: int) -> None:
    for r in rects:
        assert inside(r, width, height), f"label {r} leaves the {width}x{height} picture"
    for a, b in combinations(rects, 2):
        assert not overlap(a, b), f"labels {a} and {b} overlap"


def test_a_crowd_s_labels_never_overlap_and_stay_inside(cjk: LabelFonts) -> None:
    image, dets = plaza(), crowd()
    fired = [d for d in dets if d.label == "person"][-7:]  # the seven best people fired
    placed = plan_labels((1920, 1080), dets, fired, ZONES, cjk)
    width, height, _ = thumbnail_size(1920, 1080)
    assert (width, height) == (640, 360)
    assert_apart_and_inside([p.rect for p in placed], width, height)
    texts = [p.text for p in placed]
    # The fired zone's name and every fired object are labelled, in Chinese with the score.
    assert texts[0] == "中心广场"
    assert texts[1:8] == [
        f"人 {round(d.score * 100)}%" for d in sorted(fired, key=lambda d: -d.score)
    ]
    assert [p.background for p in placed[1:8]] == [RED] * 7
    assert "汽车 81%" in texts and "电动车 66%" in texts
    # What was planned is what is drawn: each label's background fills its rectangle.
    drawn = render_snapshot(image, dets, fired, ZONES, legend(), cjk)
    for p in placed:
        x1, y1, x2, y2 = p.rect
        assert tuple(int(v) for v in drawn[y1, x1]) == p.background
        assert tuple(int(v) for v in drawn[y2 - 1, x2 - 1]) == p.background


@pytest.mark.parametrize("seed", range(40))
def test_placed_labels_are_apart_and_inside_for_any_boxes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    width, height = int(rng.integers(120, 800)), int(rng.integers(90, 600))
    n = int(rng.integers(1, 60))
    boxes: list[Rect] = []
    for _ in range(n):  # some boxes reach over the picture's edges
        x, y = int(rng.integers(-40, width)), int(rng.integers(-40, height))
        boxes.append((x, y, x + int(rng.integers(2, 200)), y + int(rng.integers(2, 200))))
    sizes = [(int(rng.integers(10, 90)), int(rng.integers(8, 24))) for _ in range(n)]
    rects = place_labels(boxes, sizes, width, height, boxes)
    assert rects[0] is not None  # the first label always finds a place
    placed = [r for r in rects if r is not None]
    assert_apart_and_inside(placed, width, height)
    for r, (w, h) in zip(rects, sizes, strict=True):
        assert r is None or (r[2] - r[0], r[3] - r[1]) == (w, h)


def test_a_label_too_big_for_the_picture_is_left_out() -> None:
    assert place_labels([(0, 0, 10, 10)], [(200, 12)], 100, 100) == [None]


def glyph(fonts: LabelFonts, text: str) -> np.ndarray:
    canvas = Image.new("L", (40, 40))
    ImageDraw.Draw(canvas).text((4, 4), text, font=fonts.at(24), fill=255)
    return np.asarray(canvas)


def test_the_cjk_font_draws_chinese_glyphs(cjk: LabelFonts) -> None:
    # 人 is drawn with its own strokes, not the font's box for a missing glyph (what a
    # private-use code point gets).
    person, missing = glyph(cjk, "人"), glyph(cjk, "\U000f0000")
    assert person.sum() > 0 and not np.array_equal(person, missing)
    # The same crowd with an ASCII-only font: English labels, and different pixels where the
    # first fired label is.
    image, dets = plaza(), crowd()
    fired = [dets[-3]]
    with_cjk = render_snapshot(image, dets, fired, ZONES, legend(), cjk)
    fallback = render_snapshot(image, dets, fired, ZONES, legend(), NO_FONT)
    label = plan_labels((1920, 1080), dets, fired, ZONES, cjk)[1]
    assert label.text.startswith("人 ")
    assert plan_labels((1920, 1080), dets, fired, ZONES, NO_FONT)[1].text.startswith("person ")
    x1, y1, x2, y2 = label.rect
    region = (slice(y1, y2), slice(x1, x2))
    white = (with_cjk[region] > 200).all(axis=2)
    assert white.sum() > 20  # glyph strokes drawn in white on the label
    assert (with_cjk[region] != fallback[region]).any(axis=2).sum() > 20


def test_every_rule_zone_is_drawn_and_the_fired_box_stands_out(cjk: LabelFonts) -> None:
    image = np.full((480, 640, 3), 90, np.uint8)
    fired = Detection("person", 0.9, 100.0, 250.0, 160.0, 400.0)
    context = Detection("person", 0.7, 400.0, 250.0, 460.0, 400.0)
    drawn = render_snapshot(image, [fired, context], [fired], ZONES, legend(), cjk)

    def close(pixel: np.ndarray, colour: tuple[int, int, int], tol: int = 40) -> bool:
        return bool(np.abs(pixel.astype(int) - np.array(colour)).max() <= tol)

    # The fired zone's outline in amber, the other rule zone's in grey (left edges, mid-height).
    assert close(drawn[round(0.6 * 480), round(0.05 * 640)], AMBER)
    assert close(drawn[round(0.2 * 480), round(0.6 * 640)], GREY)
    # Inside the fired zone the picture is shaded amber; outside it is not.
    assert drawn[200, 320, 2] > 90 + 15 and tuple(drawn[470, 320]) == (90, 90, 90)

    # The boxes' left edges, counted across at mid-height: the fired box is red and thicker.
    red = sum(close(drawn[330, x], RED) for x in range(95, 110))
    green = sum(close(drawn[330, x], GREEN) for x in range(395, 410))
    assert red >= 3 and 1 <= green < red


def test_the_legend_strip_names_rule_zone_local_time_and_camera(cjk: LabelFonts) -> None:
    assert legend_lines(legend(), cjk=True) == [
        "人员聚集 · 中心广场",
        "2026-12-02 22:45:37 · 广场摄像机",
    ]
    # Without a CJK font, names the font cannot write become ids.
    assert legend_lines(legend(), cjk=False) == ["crowd · plaza", "2026-12-02 22:45:37 · plaza-cam"]
    assert legend_lines(legend(zone="North lawn"), cjk=False)[0] == "crowd · North lawn"
    image = np.full((480, 640, 3), 90, np.uint8)
    drawn = render_snapshot(image, [], [], ZONES[:1], legend(), cjk)
    assert drawn.shape[1] == 640 and 480 + 20 < drawn.shape[0] <= 480 + 60
    strip = drawn[480:]
    dark = (np.abs(strip.astype(int) - np.array(LEGEND_BG)).max(axis=2) <= 10).mean()
    assert dark > 0.6  # the strip's background
    assert (strip > 200).all(axis=2).sum() > 200  # white text on it
    assert (np.abs(strip.astype(int) - np.array(RED)).max(axis=2) <= 10).sum() > 50  # the marker


def test_a_long_legend_breaks_into_two_lines_that_fit(cjk: LabelFonts) -> None:
    image = np.full((480, 640, 3), 90, np.uint8)
    one = render_snapshot(image, [], [], ZONES[:1], legend(), cjk)
    long = legend(zone="东侧围墙外侧与三号楼之间的绿化带", camera="三号楼东侧围墙外侧摄像机")
    two = render_snapshot(image, [], [], ZONES[:1], long, cjk)
    assert two.shape[0] > one.shape[0]
    # Nothing written in the last 3 columns: the text was cut to fit.
    assert not (two[480:, -3:] > 200).all(axis=2).any()


def test_a_busy_large_frame_stays_within_60_kb_and_is_a_valid_jpeg(cjk: LabelFonts) -> None:
    # Photo detail plus noise compresses badly: the worst case for the budget.
    rng = np.random.default_rng(3)
    image = np.clip(
        plaza(3840, 2160).astype(int) + rng.integers(-60, 61, (2160, 3840, 3)), 0, 255
    ).astype(np.uint8)
    dets = crowd(3840, 2160)
    jpeg = alert_snapshot(image, dets, dets[-7:], ZONES, legend(), cjk)
    assert len(jpeg) <= MAX_THUMBNAIL_BYTES
    assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
    thumb = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumb is not None and thumb.shape[1] == 640 and thumb.shape[0] > 360


def fallback_count() -> float:
    return REGISTRY.get_sample_value("anju_edge_snapshot_font_fallback_total") or 0.0


def test_without_a_cjk_font_snapshots_fall_back_to_english_logged_once_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(
        fonts_module,
        "CJK_FONT_CANDIDATES",
        ((str(tmp_path / "missing.ttc"), 0), (str(broken), 0)),
    )
    monkeypatch.setattr(fonts_module, "_default", None)
    before = fallback_count()
    image, dets = plaza(1280, 720), crowd(1280, 720)
    with caplog.at_level(logging.INFO, logger="anju_edge.camera.fonts"):
        jpegs = [alert_snapshot(image, dets, dets[:2], ZONES, legend()) for _ in range(3)]
    warnings = [r for r in caplog.records if "no CJK font found" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert any("could not be loaded" in r.getMessage() for r in caplog.records)
    assert fallback_count() == before + 3
    for jpeg in jpegs:
        thumb = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert thumb is not None and thumb.shape[1] == 640 and len(jpeg) <= MAX_THUMBNAIL_BYTES
    placed = plan_labels((1280, 720), dets, dets[:2], ZONES, fonts_module.default_fonts())
    assert placed[0].text == "plaza" and placed[1].text.startswith("person ")
    assert_apart_and_inside([p.rect for p in placed], 640, 360)
