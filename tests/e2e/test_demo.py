"""`anju demo` (what `make demo` runs) brings the system up, shows the demo alert, and can run
twice in a row on the same data folder."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import yaml

from anju.netutil import free_port
from anju_sim.demostate import STATE_FILE, read_demo_state
from tests.support.servers import wait_until


def run_demo(data_dir: Path, port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "anju",
            "demo",
            "--once",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_runs_twice(tmp_path: Path) -> None:
    port = free_port()
    for attempt in (1, 2):
        result = run_demo(tmp_path / "demo", port)
        assert result.returncode == 0, f"run {attempt}:\n{result.stdout}\n{result.stderr[-3000:]}"
        out = result.stdout
        assert f"http://127.0.0.1:{port}/" in out  # the officers' console URL
        assert "Gate console" in out and "officer / anju-officer" in out
        assert "demo alert arrived at the gateway" in out
        assert "door_forced critical at north-gate" in out
        # The demo's cameras: a camera alert with its annotated snapshot.
        assert "camera alert with its snapshot arrived" in out and ", with snapshot)" in out
        assert "supervisor / anju-supervisor" in out
        assert "NOT YET" not in out


def test_demo_with_embedded_broker(tmp_path: Path) -> None:
    """Without Mosquitto (and without root to install it) the demo still works."""
    result = run_demo(tmp_path / "demo", free_port(), "--embedded-broker")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-3000:]}"
    assert "door_forced critical at north-gate" in result.stdout


ANJU = (sys.executable, "-m", "anju")
TAMPER = {
    "name": "garage-tamper",
    "title": "地库入口控制器被撬 / The garage gate's controller is tampered with",
    "gates": ["garage-gate"],
    "steps": [{"at": 0.5, "gate": "garage-gate", "event": {"type": "tamper"}}],
    "expect": [{"kind": "tamper", "source_id": "garage-gate"}],
}


def test_sim_run_finds_the_running_demo_and_leaves_its_simulator_alone(tmp_path: Path) -> None:
    """While the demo runs, `anju sim run` needs no --broker (the demo's state file says where);
    its check passes against the demo's edge; the demo's own simulator, playing the same gate,
    keeps going; on Ctrl-C the state file goes away."""
    data = tmp_path / "demo"
    state_file = data / STATE_FILE
    scenario = tmp_path / "garage-tamper.yaml"
    scenario.write_text(yaml.safe_dump(TAMPER, allow_unicode=True), "utf-8")
    demo = subprocess.Popen(
        [*ANJU, "demo", "--data-dir", str(data), "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            lambda: state_file.exists() or demo.poll() is not None, timeout=90, message="state"
        )
        state = read_demo_state(data)
        assert state is not None and state.pid == demo.pid and state.compound_id == "demo"
        sim = subprocess.run(
            [*ANJU, "sim", "run", "--scenario", str(scenario), "--demo-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert sim.returncode == 0, f"{sim.stdout}\n{sim.stderr[-3000:]}"
        assert f"using the running demo's broker {state.broker_url}" in sim.stdout
        assert "check 核对: OK" in sim.stdout
        assert demo.poll() is None, "the demo stopped"
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=60)
        assert demo.returncode == 0, f"{out}\n{err[-3000:]}"
        assert not state_file.exists()
        assert "Traceback" not in err and "not currently connected" not in err, err[-3000:]
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()
