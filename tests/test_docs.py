"""README stays in sync with the code."""

from __future__ import annotations

from pathlib import Path

from bot.docs import README, render_readme
from handlers import ROUTERS


def test_readme_command_table_matches_the_specs() -> None:
    text = README.read_text(encoding="utf-8")
    assert text == render_readme(text, ROUTERS), "run `make readme`"


def test_readme_shows_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text


def test_ci_runs_make_test() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
