"""Camera `source` settings: the contract's shapes load, unknown keys and inline passwords are
refused with the password masked, and secrets files are read as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from anju_edge.camera.sources.secrets import (
    SecretError,
    read_credentials,
    with_credentials,
)
from anju_edge.config import ConfigError, load_config
from anju_edge.config.sources import HttpSnapshotSource, MqttSource, RtspSource

BASE = "compound_id: c1\ngateway: {url: 'http://gw'}\ncameras:\n"


def load(tmp_path: Path, cameras: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "edge.yaml"
    path.write_text(BASE + cameras)
    return load_config(path)


def test_the_issue_shapes_load(tmp_path: Path) -> None:
    cfg = load(
        tmp_path,
        "  - {id: a, source: {type: rtsp, url: 'rtsp://10.0.0.21:554/Streaming/Channels/102',"
        " fps: 2}}\n"
        "  - {id: b, source: {type: http_snapshot, url: 'http://10.0.0.22/picture', auth: digest,"
        " username: anju, password_file: /etc/anju/cam-21.pass, interval_s: 0.5}}\n"
        "  - {id: c}\n",
    )
    a, b, c = (cam.source for cam in cfg.cameras)
    assert isinstance(a, RtspSource) and a.transport == "tcp" and a.fps == 2
    assert isinstance(b, HttpSnapshotSource) and b.username == "anju" and b.interval_s == 0.5
    assert isinstance(c, MqttSource)


def test_inline_password_refused_and_masked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load(
            tmp_path, "  - {id: a, source: {type: rtsp, url: 'rtsp://admin:hunter2@10.0.0.9/x'}}\n"
        )
    assert "hunter2" not in str(err.value)
    assert "rtsp://***@10.0.0.9/x" in str(err.value)
    assert "credentials file" in str(err.value)


def test_unknown_source_key_and_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, "  - {id: a, source: {type: rtsp, url: 'rtsp://h/x', passwd: x}}\n")
    assert "cameras[0].source.rtsp.passwd: unknown key" in str(err.value)
    with pytest.raises(ConfigError):
        load(tmp_path, "  - {id: a, source: {type: onvif, url: 'rtsp://h/x'}}\n")


def test_credentials_file(tmp_path: Path) -> None:
    (tmp_path / "cam.cred").write_text("anju:p@ss:w/rd\n")
    assert read_credentials(Path("cam.cred"), tmp_path) == ("anju", "p@ss:w/rd")
    url = with_credentials("rtsp://10.0.0.21:554/S/102", "anju", "p@ss:w/rd")
    assert url == "rtsp://anju:p%40ss%3Aw%2Frd@10.0.0.21:554/S/102"
    (tmp_path / "bad.cred").write_text("no-colon-here\n")
    with pytest.raises(SecretError) as err:
        read_credentials(Path("bad.cred"), tmp_path)
    assert "no-colon-here" not in str(err.value)
    with pytest.raises(SecretError):
        read_credentials(tmp_path / "missing", tmp_path)
