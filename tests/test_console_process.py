"""The real ``assobot run --console`` process, driven through stdin and stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ASSOBOT = Path(sys.executable).parent / "assobot"


def _run(data_dir: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOBOT_")}
    return subprocess.run(
        [str(ASSOBOT), "run", "--console", "--data-dir", str(data_dir)],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=data_dir.parent,
    )


def test_console_session_round_trip(tmp_path: Path) -> None:
    result = _run(
        tmp_path / "data",
        "/aide\n:as bob\n/langue en\n:organizer on\n/langue en\n/help\n:time +2h\n:quit\n",
    )
    out = result.stdout
    assert 0 == result.returncode, result.stderr
    assert "assobot console" in out.lower() or "console assobot" in out.lower()
    assert "assobot ▸ Commandes d'assobot :" in out
    assert "assobot ▸ Seuls les organisateurs peuvent faire cela." in out
    assert "assobot ▸ This room now speaks English." in out
    assert "assobot ▸ assobot commands:" in out
    assert "It is now " in out
    assert (tmp_path / "data" / "assobot.db").exists()


def test_console_keeps_data_across_restarts(tmp_path: Path) -> None:
    first = _run(
        tmp_path / "data", "/langue en\n:room bureau\n:organizer on\n/fuseau Asia/Tokyo\n"
    )
    assert 0 == first.returncode, first.stderr
    second = _run(tmp_path / "data", "/aide\n:room bureau\n:organizer on\n/fuseau\n")
    assert "assobot ▸ assobot commands:" in second.stdout
    assert "This room's timezone is Asia/Tokyo" in second.stdout or (
        "Le fuseau horaire de ce salon est Asia/Tokyo" in second.stdout
    )


def test_console_survives_nonsense(tmp_path: Path) -> None:
    result = _run(tmp_path / "data", ":nope\n:time yesterday\n:as\n/\n!!!\n\x00\n/aide\n")
    assert 0 == result.returncode, result.stderr
    assert "Commande de console inconnue :nope" in result.stdout
    assert "assobot ▸ Commandes d'assobot :" in result.stdout
    assert "Traceback" not in result.stderr
