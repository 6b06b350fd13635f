"""Start an MQTT broker for the demo and the tests: Mosquitto, or an embedded one without it.

Tests always start their own broker on a free port with the project's base config, so they are
hermetic and can run in parallel with the machine's own Mosquitto.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import threading
from importlib import resources
from pathlib import Path
from typing import Protocol

from anju.netutil import free_port, wait_for_port

logger = logging.getLogger(__name__)


def base_config() -> str:
    return resources.files("anju.resources").joinpath("mosquitto-base.conf").read_text("utf-8")


def find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )


class Broker(Protocol):
    host: str
    port: int

    def start(self) -> None: ...

    def stop(self) -> None: ...

    @property
    def url(self) -> str: ...


class MosquittoBroker:
    """A private Mosquitto on loopback, with the project's config and its own data folder."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        overrides: str = "",
    ) -> None:
        exe = find_mosquitto()
        if exe is None:
            raise FileNotFoundError("mosquitto is not installed (apt-get install mosquitto)")
        self.exe = exe
        self.host = host
        self.port = port or free_port(host)
        self.data_dir = Path(data_dir)
        self.overrides = overrides  # later settings win: for benchmarks of the options
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "mosquitto.conf"
        # Started as root, Mosquitto drops to the `mosquitto` user, which cannot write its
        # persistence or log into our private folder: stay the user who started it.
        user = "user root\n" if os.geteuid() == 0 else ""
        conf.write_text(
            base_config()
            + f"\nlistener {self.port} {self.host}\nallow_anonymous true\n{user}"
            + f"persistence_location {self.data_dir}/\n"
            + f"log_dest file {self.data_dir}/mosquitto.log\n"
            + self.overrides,
            "utf-8",
        )
        return conf

    def start(self) -> None:
        conf = self.write_config()
        self.proc = subprocess.Popen(
            [self.exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for_port(self.host, self.port, timeout=10)
        except TimeoutError:
            self.stop()
            log = (self.data_dir / "mosquitto.log").read_text("utf-8", "replace")[-2000:]
            raise RuntimeError(f"mosquitto did not start: {log}") from None
        logger.info("mosquitto listening on %s:%d", self.host, self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self) -> None:
        """SIGKILL, as a crash or power cut would stop it: no final save."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


class EmbeddedBroker:
    """amqtt in a background thread: used only when Mosquitto is absent and cannot be installed."""

    def __init__(self, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: object | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> None:
        from amqtt.broker import Broker as AmqttBroker

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
                "amqtt.plugins.sys.broker.BrokerSysPlugin": {"sys_interval": 0},
            },
        }
        loop = asyncio.new_event_loop()
        self._loop = loop
        started = threading.Event()

        async def _run() -> None:
            broker = AmqttBroker(config)
            self._broker = broker
            await broker.start()
            started.set()

        def _thread_main() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(_run())
            loop.run_forever()

        self._thread = threading.Thread(target=_thread_main, name="embedded-broker", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("embedded MQTT broker did not start")
        wait_for_port(self.host, self.port)
        logger.info("embedded MQTT broker listening on %s:%d", self.host, self.port)

    def stop(self) -> None:
        loop, broker = self._loop, self._broker
        if loop is None or broker is None:
            return

        async def _shutdown() -> None:
            await broker.shutdown()  # type: ignore[attr-defined]

        fut = asyncio.run_coroutine_threadsafe(_shutdown(), loop)
        try:
            fut.result(timeout=5)
        except Exception:
            logger.debug("embedded broker shutdown raised", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop = self._broker = None


def start_broker(
    data_dir: Path, port: int | None = None, embedded: bool = False
) -> MosquittoBroker | EmbeddedBroker:
    """Mosquitto when installed, otherwise the embedded broker (the demo still works).

    The embedded broker (amqtt) speaks MQTT 3.1.1 only: clients must not use MQTT 5.
    """
    broker: MosquittoBroker | EmbeddedBroker
    if find_mosquitto() and not embedded:
        broker = MosquittoBroker(data_dir, port)
    else:
        logger.warning("mosquitto not found: using the embedded pure-Python broker")
        broker = EmbeddedBroker(port)
    broker.start()
    return broker
