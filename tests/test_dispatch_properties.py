"""Any text sent to the dispatcher gets a reply or is ignored — never an unhandled error."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import ROUTERS
from tests.harness import Harness, make_config

COMMAND_NAMES = sorted({n for r in ROUTERS for c in r.commands for n in c.names})
APOLOGY = "Désolé, quelque chose s'est mal passé"


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("props")


@pytest.fixture
async def shared_bot(module_dir: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(module_dir / "data"))
    harness.organizer("alice")
    try:
        yield harness
    finally:
        await harness.stop()


texts = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda prefix, name, rest: f"{prefix}{name} {rest}",
        st.sampled_from(["/", "!", "/ ", "//"]),
        st.sampled_from(COMMAND_NAMES),
        st.text(max_size=120),
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts)
async def test_any_text_gets_a_reply_or_is_ignored(
    shared_bot: Harness, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        replies = await shared_bot.say(text, member="alice", room="asso")
    assert not any(APOLOGY in r for r in replies), (text, replies)
    assert [] == [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("digit", ["²", "½", "Ⅻ", "٣", "①"])
@pytest.mark.parametrize("command", ["/annuler", "/vote", "/cloturer", "/sauter", "/aide"])
async def test_unicode_digits_never_crash_a_command(
    shared_bot: Harness, caplog: pytest.LogCaptureFixture, command: str, digit: str
) -> None:
    with caplog.at_level(logging.ERROR):
        replies = await shared_bot.say(f"{command} {digit}", member="alice", room="asso")
    assert replies, "every command answers"
    assert not any(APOLOGY in r for r in replies)
    assert [] == [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
