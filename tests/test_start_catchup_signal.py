"""The real ``assobot run`` process stops on SIGTERM while it is still starting (here: a
homeserver that never answers, which nio would retry for ever) instead of once started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ASSOBOT = Path(sys.executable).parent / "assobot"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sigterm_during_the_start_stops_the_process(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[matrix]\nhomeserver = "http://127.0.0.1:{closed_port()}"\n'
        'user_id = "@assobot:localhost"\npassword = "not used"\n',
        encoding="utf-8",
    )
    log = tmp_path / "stderr.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOBOT_")}
    with log.open("w", encoding="utf-8") as stderr:
        child = subprocess.Popen(
            [str(ASSOBOT), "run", "--config", str(config), "--data-dir", str(tmp_path / "data")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
            cwd=tmp_path,
        )
        try:
            # Starting: the Matrix login is being tried (and retried) against the closed port.
            deadline = time.monotonic() + 90
            while "nio" not in log.read_text(encoding="utf-8"):
                assert child.poll() is None, log.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "the Matrix login never started"
                time.sleep(0.1)
            child.send_signal(signal.SIGTERM)
            code = child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    errors = log.read_text(encoding="utf-8")
    assert 0 == code, errors
    assert "Traceback" not in errors
    assert "Unclosed client session" not in errors
