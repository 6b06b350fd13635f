"""The box's passage queue (智能卡口): one record per source event, bounded, emptied when the
switch goes off; only plate reads become records, and never with a card number."""

from __future__ import annotations

from pathlib import Path

from anju_contracts import GateEvent, GateEventType, utcnow
from anju_edge.passages.records import passage_of
from anju_edge.passages.store import PassageQueue


def plate(seq: int, raw: str = "赣g·12345", **extra: object) -> GateEvent:
    return GateEvent(seq=seq, ts=utcnow(), type=GateEventType.plate_read, plate=raw,
                     direction="in", **extra)  # type: ignore[arg-type]  # fmt: skip


def test_one_record_per_source_event_and_acked_by_id(tmp_path: Path) -> None:
    q = PassageQueue(tmp_path / "p.sqlite3")
    rec = passage_of("c1", "g1", plate(1), None)
    assert rec is not None and rec.plate == "赣G12345" and rec.direction == "in"
    assert q.put(rec, "g1|1|t") is True
    again = passage_of("c1", "g1", plate(1), None)  # the same event delivered again
    assert again is not None and q.put(again, "g1|1|t") is False
    assert [r.id for r in q.batch(10)] == [rec.id]
    q.ack({rec.id})
    assert q.depth() == 0
    reopened = PassageQueue(tmp_path / "p.sqlite3")
    assert reopened.put(again, "g1|1|t") is False and reopened.depth() == 0


def test_bounded_oldest_dropped_and_cleared_when_off(tmp_path: Path) -> None:
    q = PassageQueue(tmp_path / "p.sqlite3", max_records=3)
    recs = [passage_of("c1", "g1", plate(i), "36040200001340000002") for i in range(5)]
    for i, rec in enumerate(recs):
        assert rec is not None and q.put(rec, f"g1|{i}|t")
    assert [r.id for r in q.batch(10)] == [r.id for r in recs[2:] if r is not None]
    assert q.clear() == 3 and q.depth() == 0


def test_only_plate_reads_and_no_card_number() -> None:
    card = GateEvent(seq=1, ts=utcnow(), type=GateEventType.card_swipe, credential="C-10023")
    assert passage_of("c1", "g1", card, None) is None
    rec = passage_of("c1", "g1", plate(2, credential="C-10023"), None)
    assert rec is not None and "C-10023" not in rec.model_dump_json()
    assert passage_of("c1", "g1", plate(3, raw="??"), None) is None  # not a plate


def test_uplink_sends_only_while_on_and_drops_what_waits_when_off(tmp_path: Path) -> None:
    import json

    import httpx

    from anju_edge.config import GatewayLink
    from anju_edge.delivery.enrol import write_token
    from anju_edge.passages.uplink import PassageUplink

    q = PassageQueue(tmp_path / "p.sqlite3")
    sent: list[dict[str, object]] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.extend(body["passages"])
        receipts = [{"id": p["id"], "status": "stored"} for p in body["passages"]]
        return httpx.Response(200, json={"receipts": receipts})

    write_token(tmp_path / "token", "t0k3n")
    client = httpx.Client(transport=httpx.MockTransport(gateway), base_url="http://gw")
    switch = {"on": True}
    up = PassageUplink(GatewayLink(url="http://gw"), q, tmp_path / "token", lambda: switch["on"])
    first, second = (passage_of("c1", "g1", plate(i), None) for i in (1, 2))
    assert first is not None and second is not None
    q.put(first, "k1")
    assert up.work(client) is None
    assert [p["id"] for p in sent] == [first.id] and q.depth() == 0
    assert set(sent[0]) == {"id", "compound_id", "gate_id", "ts", "plate", "direction", "gb_code"}
    q.put(second, "k2")
    switch["on"] = False
    assert up.work(client) is None
    assert len(sent) == 1 and q.depth() == 0  # switched off: dropped, never sent
