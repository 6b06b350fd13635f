"""The camera path: latest-frame slots -> decode -> masks -> model -> tracker -> rules -> alerts.

paho's thread only calls `submit` (a dictionary assignment). A preparing thread decodes, masks
and letterboxes the waiting frames (one per camera, batched) while the inference worker(s) run
the model on the previous batch, so the model is never idle waiting for JPEG decoding. When a
rule fires, the worker hands the finding to the annotate thread, which decodes the frame again,
draws the alert's thumbnail and raises the alert: no worker waits for a picture to be drawn.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from anju_common.ratelog import RateLimitedLog
from anju_contracts import Alert, DetectedObject, PayloadError, SnapshotMeta, SourceKind
from anju_edge.alerts import AlertDraft, AlertSink
from anju_edge.camera.annotate import THUMBNAIL_MAX_WIDTH, Legend, ZoneView, alert_snapshot
from anju_edge.camera.rules import CameraRules, Finding
from anju_edge.camera.slots import Frame, LatestFrameSlots
from anju_edge.camera.track import Observation, Tracker
from anju_edge.camera.zones import apply_masks
from anju_edge.config import CameraConfig, EdgeConfig
from anju_edge.detect.api import Detection, Detector, Prepared
from anju_edge.detect.images import decode_jpeg
from anju_edge.metrics import (
    ALERT_LATENCY,
    DETECT_SECONDS,
    FRAMES_DETECTED,
    FRAMES_DROPPED,
    REJECTED,
    SNAPSHOT_SECONDS,
)

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

Image = npt.NDArray[np.uint8]


# Findings waiting for their picture, each holding its frame (a decoded RTSP frame is 1.5 MB).
# A full queue holds the workers back rather than lose an alert: a storm of alerts is the one
# time detection may slow down.
SNAPSHOT_QUEUE = 8


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """A finding past its cooldown, with what its picture needs, taken on the worker's thread:
    the tracks move on with later frames, so objects and fired boxes are copied now."""

    frame: Frame
    relevant: list[Detection]
    fired: list[Detection]
    objects: tuple[DetectedObject, ...]
    finding: Finding
    local: datetime
    key: str


class CameraState:
    def __init__(self, camera: CameraConfig) -> None:
        self.config = camera
        self.rules = CameraRules(camera)
        self.tracker = Tracker()
        self.labels = {label for rule in camera.rules for label in rule.labels}
        self.lock = threading.Lock()
        # Arrival time of the newest frame tracked: with several workers an older frame of
        # this camera can finish after a newer one, and must not move its tracks back.
        self.last_arrived = float("-inf")


class DetectionPipeline:
    def __init__(
        self,
        config: EdgeConfig,
        detector: Detector,
        sink: AlertSink,
        monotonic: Callable[[], float] = time.monotonic,
        local_now: Callable[[], datetime] | None = None,
    ) -> None:
        self.detector = detector
        self.sink = sink
        self.min_score = config.detector.min_score
        self.max_bytes = config.detector.max_snapshot_bytes
        self.max_pixels = config.detector.max_pixels
        self.workers = config.detector.workers
        self.cameras = {c.id: CameraState(c) for c in config.cameras}
        self.slots = LatestFrameSlots()
        tz = ZoneInfo(config.timezone)
        self.monotonic = monotonic
        self.local_now = local_now or (lambda: datetime.now(tz))
        self._stop = threading.Event()
        self._workers_done = threading.Event()
        self._threads: list[threading.Thread] = []
        # One chunk per worker waits while the workers run: the model stays busy and memory
        # stays bounded (decoded images are not kept; the rare alert thumbnail decodes its
        # JPEG again).
        self._prepared: queue.Queue[list[tuple[Frame, Prepared]]] = queue.Queue(
            config.detector.workers
        )
        self._snapshots: queue.Queue[PendingAlert] = queue.Queue(SNAPSHOT_QUEUE)
        # Keys of findings handed to the annotate thread and not yet raised: the next frames
        # of the same finding are not drawn a second time meanwhile.
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._fps_count = 0
        self._fps_since = time.monotonic()
        self.fps = 0.0

    # --- paho's thread ---
    def submit(self, camera_id: str, jpeg: bytes, meta: SnapshotMeta, arrived: float) -> None:
        if camera_id in self.cameras:
            self.slots.put(Frame(camera_id, jpeg, meta, arrived))

    def submit_image(self, camera_id: str, image: Image, arrived: float) -> None:
        """A decoded BGR frame from a camera source's reader thread (never blocks)."""
        if camera_id in self.cameras:
            self.slots.put(Frame(camera_id, b"", SnapshotMeta(), arrived, image))

    # --- lifecycle ---
    def start(self) -> None:
        threads = [threading.Thread(target=self._prepare_loop, name="detector-prepare")]
        threads += [threading.Thread(target=self._annotate_loop, name="detector-annotate")]
        threads += [
            threading.Thread(target=self._infer_loop, name=f"detector-{i}")
            for i in range(self.workers)
        ]
        for t in threads:
            t.daemon = True
            t.start()
        self._threads = threads

    def stop(self) -> None:
        self._stop.set()
        self.slots.close()
        annotate = [t for t in self._threads if t.name == "detector-annotate"]
        for t in self._threads:
            if t not in annotate:
                t.join(timeout=10)
        self._workers_done.set()
        for t in annotate:
            t.join(timeout=10)

    def _prepare_loop(self) -> None:
        while not self._stop.is_set():
            frames = self.slots.take_all(timeout=0.5)
            if not frames:
                continue
            # Prepare just ahead of the workers, one model batch at a time and split so every
            # worker gets a share: a prepared tensor is 2 MB, and preparing all waiting frames
            # at once held several batches' worth while the workers were still busy.
            size = max(1, min(self.detector.max_batch, -(-len(frames) // self.workers)))
            for start in range(0, len(frames), size):
                try:
                    chunk = self.prepare(frames[start : start + size])
                except Exception:  # the detector threads must survive any single frame
                    logger.exception("preparing %d frame(s) failed", size)
                    continue
                if chunk:
                    self._hand_on(chunk)

    def _hand_on(self, chunk: list[tuple[Frame, Prepared]]) -> None:
        while not self._stop.is_set():
            try:
                self._prepared.put(chunk, timeout=0.5)
                return
            except queue.Full:
                continue

    def _infer_loop(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._prepared.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                pending = self.infer(batch)
            except Exception:
                logger.exception("detection failed for %d frame(s)", len(batch))
                continue
            for alert in pending:
                self._hand_to_annotate(alert)

    def _hand_to_annotate(self, alert: PendingAlert) -> None:
        while True:
            try:
                self._snapshots.put(alert, timeout=0.5)
                return
            except queue.Full:
                if self._stop.is_set():  # stopping, and the annotate thread is behind
                    logger.warning("stopping: the %s alert of %s is not raised", *_named(alert))
                    self._done(alert)
                    return

    def _annotate_loop(self) -> None:
        # Runs until the workers have stopped and everything they handed on is raised.
        while not (self._workers_done.is_set() and self._snapshots.empty()):
            try:
                pending = self._snapshots.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self.raise_alert(pending)
            except Exception:
                logger.exception("raising the %s alert of %s failed", *_named(pending))

    # --- worker ---
    def decode(self, frame: Frame) -> Image | None:
        if frame.image is not None:  # a copy: masks are drawn in place, thumbnails decode again
            image = frame.image.copy()
            apply_masks(image, self.cameras[frame.camera_id].config.masks)
            return image
        try:
            # Scaled down while decoding as far as the model and the thumbnail allow; the
            # alert's thumbnail decodes the same way, so boxes and picture agree.
            image = decode_jpeg(
                frame.jpeg,
                self.max_bytes,
                self.max_pixels,
                fit=self.detector.input_size,
                min_width=THUMBNAIL_MAX_WIDTH,
            )
        except PayloadError as exc:
            REJECTED.labels(reason=exc.reason.value).inc()
            _ratelog.warning(
                f"img:{exc.reason.value}",
                "refused snapshot from %s: %s",
                frame.camera_id,
                exc.message,
            )
            return None
        apply_masks(image, self.cameras[frame.camera_id].config.masks)
        return image

    def prepare(self, frames: list[Frame]) -> list[tuple[Frame, Prepared]]:
        return [
            (f, self.detector.prepare(img)) for f in frames if (img := self.decode(f)) is not None
        ]

    def infer(self, batch: list[tuple[Frame, Prepared]]) -> list[PendingAlert]:
        """Model, tracker and rules for a batch: the findings that are to become alerts."""
        started = time.perf_counter()
        results = self.detector.run([p for _, p in batch], self.min_score)
        found: list[PendingAlert] = []
        for (frame, prepared), detections in zip(batch, results, strict=True):
            found.extend(self._camera(frame, prepared.width, prepared.height, detections))
        DETECT_SECONDS.observe(time.perf_counter() - started)
        self._count(len(batch))
        return found

    def process(self, frames: list[Frame]) -> list[Alert]:
        """Every stage on the calling thread, annotation included (tests and benchmarks)."""
        batch = self.prepare(frames)
        found = self.infer(batch) if batch else []
        return [alert for p in found if (alert := self.raise_alert(p)) is not None]

    def _camera(
        self, frame: Frame, w: int, h: int, detections: list[Detection]
    ) -> list[PendingAlert]:
        state = self.cameras[frame.camera_id]
        relevant = [d for d in detections if d.label in state.labels]
        normalised = [(d.x1 / w, d.y1 / h, d.x2 / w, d.y2 / h) for d in relevant]
        observations = [
            Observation(d.label, d.score, box) for d, box in zip(relevant, normalised, strict=True)
        ]
        now = self.monotonic()
        local = self.local_now()
        with state.lock:
            if frame.arrived < state.last_arrived:
                FRAMES_DROPPED.labels(camera=frame.camera_id).inc()
                return []
            state.last_arrived = frame.arrived
            tracks = state.tracker.update(observations, now)
            findings = state.rules.evaluate(tracks, now, local)
            frozen = [(f, _objects(f), {t.box for t in f.tracks}) for f in findings]
        found = []
        for finding, objects, boxes in frozen:
            if self.sink.cooling(
                finding.kind, frame.camera_id, finding.dedup_key, finding.cooldown_s
            ):
                continue
            key = f"{finding.kind.value}|{frame.camera_id}|{finding.dedup_key}"
            with self._pending_lock:
                if key in self._pending:
                    continue
                self._pending.add(key)
            fired = [d for d, box in zip(relevant, normalised, strict=True) if box in boxes]
            found.append(PendingAlert(frame, relevant, fired, objects, finding, local, key))
        return found

    def _done(self, pending: PendingAlert) -> None:
        with self._pending_lock:
            self._pending.discard(pending.key)

    # --- the annotate thread (or the caller of `process`) ---
    def raise_alert(self, pending: PendingAlert) -> Alert | None:
        """Draws the finding's thumbnail and raises its alert (None: refused or cooling)."""
        try:
            started = time.perf_counter()
            image = self.decode(pending.frame)
            if image is None:
                return None
            snapshot = self._snapshot(pending, image)
            SNAPSHOT_SECONDS.observe(time.perf_counter() - started)
            alert = self.sink.raise_alert(self._draft(pending, snapshot))
            if alert is not None:
                ALERT_LATENCY.observe(time.monotonic() - pending.frame.arrived)
            return alert
        finally:
            self._done(pending)

    def _snapshot(self, pending: PendingAlert, image: Image) -> bytes:
        camera = self.cameras[pending.frame.camera_id].config
        zones = {z.id: z for z in camera.zones}
        fired_zone = pending.finding.zone
        # Every zone a rule of this camera watches; the one that fired is shaded.
        watched = list(dict.fromkeys(rule.zone for rule in camera.rules))
        views = [
            ZoneView(z, zones[z].name, zones[z].polygon, fired=z == fired_zone) for z in watched
        ]
        legend = Legend(
            kind=pending.finding.kind,
            zone_id=fired_zone,
            zone_name=zones[fired_zone].name,
            camera_id=camera.id,
            camera_name=camera.name,
            time=pending.local,
        )
        return alert_snapshot(image, pending.relevant, pending.fired, views, legend)

    def _draft(self, pending: PendingAlert, snapshot: bytes) -> AlertDraft:
        finding = pending.finding
        details = dict(finding.details)
        details["tracks"] = len({t.id for t in finding.tracks})
        return AlertDraft(
            kind=finding.kind,
            severity=finding.severity,
            source_kind=SourceKind.camera,
            source_id=pending.frame.camera_id,
            dedup_key=finding.dedup_key,
            cooldown_s=finding.cooldown_s,
            zone=finding.zone,
            objects=pending.objects,
            details=details,
            snapshot_jpeg=snapshot,
        )

    def _count(self, n: int) -> None:
        FRAMES_DETECTED.inc(n)
        self._fps_count += n
        elapsed = time.monotonic() - self._fps_since
        if elapsed >= 5.0:
            self.fps = self._fps_count / elapsed
            self._fps_count = 0
            self._fps_since = time.monotonic()


def _objects(finding: Finding) -> tuple[DetectedObject, ...]:
    return tuple(
        DetectedObject(
            label=t.label,
            score=round(t.score, 3),
            box=(round(t.box[0], 4), round(t.box[1], 4), round(t.box[2], 4), round(t.box[3], 4)),
            track_id=t.id,
        )
        for t in finding.tracks[:64]
    )


def _named(pending: PendingAlert) -> tuple[str, str]:
    return pending.finding.kind.value, pending.frame.camera_id
