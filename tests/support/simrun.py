"""`anju sim run` as a user runs it: its own process, its output read line by line while it
plays, so a test can act (start the edge) once the simulator says its devices are online."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from typing import IO


class SimRun:
    def __init__(self, *args: str, ignore_sigint: bool = False) -> None:
        """``ignore_sigint``: start it as a shell's background job without job control does,
        SIGINT ignored."""
        self.args = ["sim", "run", *args]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "anju", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_ignore_sigint if ignore_sigint else None,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out, True)),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err, False)),
        ]
        for t in self._readers:
            t.start()

    def _read(self, stream: IO[str], into: list[str], announce: bool) -> None:
        for line in stream:
            into.append(line)
            if announce:
                self._lines.put(line)

    def wait_for_line(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(0.01, left))
            except queue.Empty:
                line = ""
            if text in line:
                return line
            if left <= 0 or (not line and self.proc.poll() is not None):
                raise AssertionError(
                    f"no line with {text!r} from `anju {' '.join(self.args)}`:\n{self.output}"
                )

    def finish(self, timeout: float = 90.0) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            for t in self._readers:
                t.join(timeout=5)
        return rc

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    @property
    def output(self) -> str:
        return f"{self.stdout}\n--- stderr ---\n{self.stderr[-4000:]}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
