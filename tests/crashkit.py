"""What the SIGKILL crash tests share: start the bot as a child process, wait until it is
ready, count what it delivered (one line per delivered item in a file, found by a pattern)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_child(module: str, data_dir: Path, out: Path) -> subprocess.Popen[str]:
    """``python -m module DATA_DIR OUT``: the test module's own ``__main__`` runs the bot."""
    return subprocess.Popen(
        [sys.executable, "-m", module, str(data_dir), str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_ready(child: subprocess.Popen[str]) -> None:
    """Until the child printed ``ready`` (its bot started)."""
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "ready", f"the bot did not start (exit {child.poll()})"


def delivered(out: Path, mark: re.Pattern[str]) -> Counter[int]:
    """How many times each numbered item (``mark``'s first group) reached ``out``."""
    if not out.exists():
        return Counter()
    return Counter(int(m.group(1)) for m in mark.finditer(out.read_text(encoding="utf-8")))
