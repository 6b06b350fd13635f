"""Scenario files: valid, deterministic by seed, and compressible in time."""

from __future__ import annotations

import random

from anju_contracts.plates import normalise_plate
from anju_edge.config import parse_config
from anju_sim.plates import random_plate
from anju_sim.scenario import ScenarioRunner, list_scenarios, load_scenario


def test_each_scenario_declares_a_valid_edge_config() -> None:
    for s in list_scenarios():
        cfg = parse_config({"compound_id": "c1", "gateway": {"url": "http://gw"}, **s.edge})
        configured = {g.id for g in cfg.gates} | {c.id for c in cfg.cameras}
        assert set(s.gates) | set(s.cameras) <= configured, s.name


def test_normal_day_is_deterministic_with_a_seed() -> None:
    day = load_scenario("normal-day")
    a = ScenarioRunner(day, "127.0.0.1", 1, "c1", seed=3).timeline()
    b = ScenarioRunner(day, "127.0.0.1", 1, "c1", seed=3).timeline()
    c = ScenarioRunner(day, "127.0.0.1", 1, "c1", seed=4).timeline()
    assert [(x.at, x.label) for x in a] == [(x.at, x.label) for x in b]
    assert [(x.at, x.label) for x in a] != [(x.at, x.label) for x in c]
    assert len(a) == 60 and 0 <= a[0].at <= a[-1].at <= 86_400


def test_generated_plates_are_valid_including_green_ones() -> None:
    rng = random.Random(5)
    plates = [random_plate(rng) for _ in range(300)]
    assert all(normalise_plate(p) == p for p in plates)
    assert any(len(p) == 8 for p in plates) and any(len(p) == 7 for p in plates)
