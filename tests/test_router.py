"""The dispatcher: names and aliases, parsing, roles, errors, and the loop going on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.context import Context
from bot.errors import UsageError
from bot.message import Button, Outgoing
from bot.router import DuplicateCommand, Router, parse_command, split_arguments
from bot.text import MAX_NUMBER
from handlers import ROUTERS
from tests.harness import START, Harness, make_config

AWAY_FR = (
    "J’étais absent quand ceci a été envoyé, je ne l’ai donc pas exécuté. "
    "Renvoyez la commande si elle est toujours utile."
)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (["a", "b"], "a b"),
        (["Où fait-on la fête ?", "x"], '"Où fait-on la fête ?" x'),
        (["l'AG", "d'hiver"], "l'AG d'hiver"),
        (["fête de fin d'année"], "«fête de fin d'année»"),
        (["réunion du bureau"], "« réunion du bureau »"),
        (["curly quotes"], "“curly quotes”"),
        (["unclosed quote runs to the end"], '"unclosed quote runs to the end'),
        ([""], '""'),
        ([], "   "),
    ],
)
def test_split_arguments_keeps_quoted_groups(expected: list[str], text: str) -> None:
    assert expected == split_arguments(text)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (("/", "aide", "", ""), "/aide"),
        (("!", "help", "", "rappel"), "!help rappel"),
        (("/", "resume", "", ""), "/Résumé"),
        (("/", "lier", "assobot", "ABC"), "/lier@assobot ABC"),
        (None, "hello /aide"),
        (None, "/"),
        (None, "/usr/bin/env"),
        (None, "!!!"),
    ],
)
def test_parse_command_recognises_prefixes_and_bot_names(
    expected: tuple[str, str, str, str] | None, text: str
) -> None:
    parsed = parse_command(text)
    got = None if parsed is None else (parsed.prefix, parsed.name, parsed.addressee, parsed.text)
    assert expected == got


@pytest.mark.parametrize("text", ["/aide", "/help", "!aide", "/AIDE", "/start"])
async def test_help_answers_to_every_alias(bot: Harness, text: str) -> None:
    replies = await bot.say(text)
    assert replies[0].startswith("Commandes d'assobot :")


async def test_commands_answer_in_the_room_language(bot: Harness) -> None:
    await bot.say("/langue en")
    replies = await bot.say("/aide")
    assert replies[0].startswith("assobot commands:")
    assert "/pair [CODE]" in replies[0]


async def test_unknown_command_suggests_the_closest(bot: Harness) -> None:
    assert ["Commande inconnue /aid. Vouliez-vous dire /aide ? Tapez /aide pour la liste."] == (
        await bot.say("/aid")
    )


async def test_unknown_command_without_a_close_match_points_to_help(bot: Harness) -> None:
    assert ["Commande inconnue /xyzzy. Tapez /aide pour la liste."] == await bot.say("/xyzzy")


async def test_unknown_bang_command_without_match_stays_silent(bot: Harness) -> None:
    # "!rss" is often meant for another Matrix bot in the room.
    assert [] == await bot.say("!xyzzy")


async def test_command_for_another_bot_is_ignored(bot: Harness) -> None:
    incoming = bot.incoming("/aide@OtherBot", bot_username="assobot", member="alice")
    before = len(bot.replies)
    await bot.app.receive(incoming)
    assert before == len(bot.replies)


async def test_command_for_us_by_name_is_handled(bot: Harness) -> None:
    await bot.app.receive(bot.incoming("/aide@AssoBot", bot_username="assobot"))
    assert bot.replies[-1].text.startswith("Commandes d'assobot :")


async def test_stale_commands_are_not_run_and_the_bot_says_once_it_was_away(
    bot: Harness,
) -> None:
    # One rule for every platform: a command sent longer than the platform's
    # stale_after_minutes before the bot started is not run (the console has no limit of its
    # own: give it one).
    bot.app.dispatcher.stale_after["console"] = timedelta(minutes=10)
    first = replace(bot.incoming("/aide"), at=START - timedelta(minutes=30))
    await bot.app.receive(first)
    await bot.app.receive(replace(bot.incoming("/langue en"), at=START - timedelta(minutes=20)))
    await bot.app.receive(replace(bot.incoming("/aide"), at=START - timedelta(minutes=5)))

    assert [AWAY_FR] == [s.out.text for s in bot.sent if s.out.text == AWAY_FR]
    assert first.message_id == bot.sent[0].out.reply_to
    assert bot.sent[1].out.text.startswith("Commandes d'assobot :")  # /langue en not run
    assert 2 == len(bot.sent)


async def test_command_sent_while_running_is_run_however_late_it_arrives(bot: Harness) -> None:
    bot.app.dispatcher.stale_after["console"] = timedelta(minutes=10)
    sent = bot.incoming("/aide")
    await bot.advance(timedelta(hours=2))  # the platform delivered it two hours late

    await bot.app.receive(sent)

    assert bot.sent[-1].out.text.startswith("Commandes d'assobot :")


def _button_router() -> Router:
    router = Router("taps")

    @router.command("ask", "demande", help="Ask with two buttons")
    async def ask(ctx: Context) -> None:
        await ctx.reply("Pizza?", [[Button("Yes", "tap:yes"), Button("No", "tap:no")]])

    @router.button("tap")
    async def tapped(ctx: Context) -> None:
        await ctx.edit(
            ctx.room.key, ctx.message.message_id, Outgoing(f"{ctx.sender.id}: {ctx.text}")
        )

    return router


async def test_a_tap_reaches_the_feature_owning_the_button_prefix(data_dir: Path) -> None:
    bot = await Harness.start(make_config(data_dir), routers=[_button_router()])
    try:
        await bot.say("/ask", member="alice")
        await bot.tap(2, member="bob")
    finally:
        await bot.stop()

    [asked] = bot.sent
    assert ("asso", "Pizza?") == (asked.room, asked.out.text)
    assert [("asso", asked.message_id, "bob: no")] == [
        (e.room, e.message_id, e.out.text) for e in bot.edits
    ]


async def test_organizer_only_command_is_refused_to_a_member(bot: Harness) -> None:
    assert ["Seuls les organisateurs peuvent utiliser /lier."] == await bot.say(
        "/lier", member="bob"
    )


async def test_organizer_only_refusal_names_the_command_in_english(bot: Harness) -> None:
    await bot.say("/language en")
    assert ["Only organizers can use /pair."] == await bot.say("/pair", member="bob")


def test_duplicate_command_names_are_rejected_at_start(data_dir: Path) -> None:
    clash = Router("clash")

    @clash.command("rooms2", "salons", help="x")
    async def other(ctx: Context) -> None:
        return None

    from bot.app import App

    with pytest.raises(DuplicateCommand, match="/salons is declared twice"):
        App(make_config(data_dir), routers=[*ROUTERS, clash])


def test_invalid_command_names_are_rejected() -> None:
    router = Router("bad")
    with pytest.raises(ValueError, match="invalid command name"):
        router.command("résumé", "resume", help="x")


def _failing_router() -> Router:
    router = Router("failing")

    @router.command("boom", "boum", help="Fail.")
    async def boom(ctx: Context) -> None:
        raise RuntimeError("kaboom")

    @router.command(
        "strict", "strict_fr", usage="N", help="Want a number.", examples=("/strict 3",)
    )
    async def strict(ctx: Context) -> None:
        if not ctx.args or not ctx.args[0].isdigit():
            raise UsageError("Give a number.")
        await ctx.reply(f"got {ctx.args[0]}")

    return router


@pytest.fixture
async def failing_bot(data_dir: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(data_dir), routers=[*ROUTERS, _failing_router()])
    yield harness
    await harness.stop()


async def test_handler_exception_is_answered_and_the_loop_goes_on(
    failing_bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        replies = await failing_bot.say("/boom")
    assert ["Désolé, quelque chose s'est mal passé. Rien n'est perdu ; réessayez."] == replies
    assert "kaboom" in caplog.text
    assert (await failing_bot.say("/aide"))[0].startswith("Commandes d'assobot :")


async def test_usage_error_replies_with_reason_usage_and_example(failing_bot: Harness) -> None:
    replies = await failing_bot.say("/strict abc")
    assert ["Give a number.\nUtilisation : /strict_fr N\nExemple : /strict 3"] == replies
    assert ["got 4"] == await failing_bot.say("/strict 4")


def test_a_command_may_have_the_same_name_in_both_languages() -> None:
    router = Router("same")

    @router.command("agenda2", "agenda2", "cal2", help="x")
    async def agenda(ctx: Context) -> None:
        return None

    assert ("agenda2", "cal2") == router.commands[0].names


@pytest.mark.parametrize(
    "text",
    [
        "/" + "z" * 10_000,
        "/zz\u202eyy",
        "/zz\x1b[2Jyy",
        "/xyzzy " + "\u202e" + "a" * 10_000,
        "/" + "a" * 33,
    ],
)
async def test_unknown_command_never_echoes_hostile_text(bot: Harness, text: str) -> None:
    replies = await bot.say(text)

    assert all(len(reply) < 120 for reply in replies), replies
    assert not any("\u202e" in reply or "\x1b" in reply for reply in replies)


def _number_router(low: int, high: int) -> Router:
    router = Router("numbers")

    @router.command("num", "num", usage="N", help="Read a number.")
    async def num(ctx: Context) -> None:
        await ctx.reply(f"read {ctx.number(ctx.args[0], low=low, high=high)}")

    return router


@pytest.mark.parametrize(
    ("expected", "text", "low", "high"),
    [
        ("read 12", "#12", 0, MAX_NUMBER),
        ("0 est trop petit : le plus petit est 1.", "0", 1, MAX_NUMBER),
        ("21 est hors limites : écrivez un nombre de 1 à 20.", "21", 1, 20),
        (
            "99999999999999999999 est trop grand : aucun élément ne porte ce numéro.",
            "99999999999999999999",
            0,
            MAX_NUMBER,
        ),
        ("² n’est pas un nombre : écrivez-le en chiffres, par exemple 3.", "²", 0, MAX_NUMBER),
        ("١٢ n’est pas un nombre : écrivez-le en chiffres, par exemple 3.", "١٢", 0, MAX_NUMBER),
    ],
)
async def test_number_reader_answers_each_bad_number_clearly(
    tmp_path: Path, expected: str, text: str, low: int, high: int
) -> None:
    bot = await Harness.start(make_config(tmp_path), routers=[_number_router(low, high)])
    try:
        assert expected == (await bot.say(f"/num {text}"))[0].splitlines()[0]
    finally:
        await bot.stop()


def test_parse_command_reads_a_hyphen_as_the_underscore_telegram_needs() -> None:
    parsed = parse_command("/liens-vote 12 tous")
    assert parsed is not None
    assert ("liens_vote", "12 tous") == (parsed.name, parsed.text)
