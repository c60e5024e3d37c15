"""Commands, roles, rendering and buttons through python-telegram-bot's real HTTP stack,
against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from bot.context import Context
from bot.message import Button, Outgoing
from bot.router import Router
from handlers import ROUTERS
from tests.fakes.telegram_api import BOT_ID
from tests.fakes.telegram_app import TelegramWorld


def tap_router() -> Router:
    """A tiny feature with buttons: each tap is counted and the message edited in place."""
    router = Router("taps")
    counts: dict[str, int] = {}

    @router.command("tapme", "tapemoi", help="Show two buttons.")
    async def tapme(ctx: Context) -> None:
        await ctx.reply("Taps: none", [[Button("Yes", "tap:yes"), Button("No", "tap:no")]])

    @router.button("tap")
    async def tapped(ctx: Context) -> None:
        counts[ctx.text] = counts.get(ctx.text, 0) + 1
        summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        out = Outgoing(
            f"Taps: {summary} (last: {ctx.sender.name})",
            ((Button("Yes", "tap:yes"), Button("No", "tap:no")),),
        )
        await ctx.edit(ctx.room.key, ctx.message.message_id, out)

    return router


async def test_help_round_trip_in_french(world: TelegramWorld) -> None:
    await world.start_bot()
    replies = await world.reply_to(world.group, world.bob, "/aide")
    assert replies[0].startswith("Commandes d'assobot :")


async def test_help_round_trip_in_english_after_language_change(world: TelegramWorld) -> None:
    await world.start_bot()
    assert await world.reply_to(world.group, world.alice, "/langue en") == [
        "This room now speaks English."
    ]
    replies = await world.reply_to(world.group, world.bob, "/help")
    assert replies[0].startswith("assobot commands:")


async def test_reply_answers_the_command_message(world: TelegramWorld) -> None:
    await world.start_bot()
    await world.reply_to(world.group, world.bob, "/aide")
    reply = world.fake.sent(world.group)[-1]
    asked = next(m for m in world.fake.messages.values() if m.get("text") == "/aide")
    assert asked["message_id"] == reply["reply_to_message"]["message_id"]


async def test_member_is_refused_an_organizer_command(world: TelegramWorld) -> None:
    await world.start_bot()
    replies = await world.reply_to(world.group, world.bob, "/langue en")
    assert replies == ["Seuls les organisateurs peuvent faire cela."]


async def test_group_creator_is_an_organizer(world: TelegramWorld) -> None:
    await world.start_bot()
    replies = await world.reply_to(world.group, world.alice, "/langue en")
    assert replies == ["This room now speaks English."]


async def test_anonymous_admin_is_an_organizer(world: TelegramWorld) -> None:
    await world.start_bot()
    replies = await world.reply_to(world.group, world.bob, "/langue en", anonymous=True)
    assert replies == ["This room now speaks English."]


async def test_promotion_is_seen_through_chat_member_update(world: TelegramWorld) -> None:
    await world.start_bot()
    await world.reply_to(world.group, world.bob, "/langue en")  # refused, admins cached
    world.fake.member_changed(world.group, world.bob, "administrator")
    replies = await world.reply_to(world.group, world.bob, "/langue en")
    assert replies == ["This room now speaks English."]


async def test_command_addressed_to_us_is_answered(world: TelegramWorld) -> None:
    await world.start_bot()
    replies = await world.reply_to(world.group, world.bob, "/aide@assobot_test_bot")
    assert replies[0].startswith("Commandes d'assobot :")


async def test_command_addressed_to_another_bot_is_ignored(world: TelegramWorld) -> None:
    await world.start_bot()
    world.fake.say(world.group, world.bob, "/aide@other_bot")
    replies = await world.reply_to(world.group, world.bob, "/salons")
    assert len(replies) == 1
    assert not any(t.startswith("Commandes") for t in world.fake.texts(world.group))


async def test_own_messages_edits_and_updates_without_text_are_ignored(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    fake = world.fake
    fake.users[BOT_ID] = fake.bot
    fake.say(world.group, BOT_ID, "/aide")  # our own message, echoed back
    fake.say(world.group, world.bob, "/aide", kind="edited_message")
    fake.say(world.group, world.bob, None, extra={"sticker": None, "new_chat_title": "X"})
    fake.say(world.group, world.bob, None)
    replies = await world.reply_to(world.group, world.bob, "/salons")
    assert len(replies) == 1
    assert not any(t.startswith("Commandes") for t in fake.texts(world.group))


async def test_user_text_is_escaped_and_shown_as_typed(world: TelegramWorld) -> None:
    await world.start_bot()
    replies = await world.reply_to(world.group, world.alice, "/langue <b>Fête</b> & co")
    first_line = replies[0].splitlines()[0]
    assert first_line == "Langue inconnue « <b>Fête</b> & co » : choisissez fr ou en."
    sent = world.fake.sent(world.group)[-1]
    assert "&lt;b&gt;Fête&lt;/b&gt; &amp; co" in sent["html"]


async def test_long_message_is_split_on_line_boundaries(world: TelegramWorld) -> None:
    await world.start_bot()
    assert world.app is not None
    lines = [f"Ligne {n:04d} " + "x" * 80 for n in range(120)]
    text = "\n".join(lines)
    delivery = await world.app.send(f"telegram:{world.group}", Outgoing(text))
    assert delivery.ok
    pieces = world.fake.texts(world.group)
    assert len(pieces) == 3
    assert all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text


async def test_buttons_are_an_inline_keyboard(world: TelegramWorld) -> None:
    await world.start_bot(routers=[*ROUTERS, tap_router()])
    await world.reply_to(world.group, world.bob, "/tapme")
    keyboard = world.fake.sent(world.group)[-1]["reply_markup"]["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in keyboard] == [
        [("Yes", "tap:yes"), ("No", "tap:no")]
    ]


async def test_tap_is_answered_and_edits_the_message_in_place(world: TelegramWorld) -> None:
    await world.start_bot(routers=[*ROUTERS, tap_router()])
    fake = world.fake
    await world.reply_to(world.group, world.bob, "/tapme")
    message_id = fake.sent(world.group)[-1]["message_id"]
    fake.tap(world.group, world.alice, message_id, "tap:yes")
    await fake.wait_for(lambda: "last: Alice" in fake.texts(world.group)[-1], what="edit")
    fake.tap(world.group, world.bob, message_id, "tap:yes")
    await fake.wait_for(lambda: "last: Bob" in fake.texts(world.group)[-1], what="edit")
    assert fake.texts(world.group) == ["Taps: yes=2 (last: Bob)"]
    await fake.wait_for(lambda: len(fake.answered) == 2, what="both taps answered")
    assert fake.sent(world.group)[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Yes"


async def test_command_menu_is_published_per_language(world: TelegramWorld) -> None:
    await world.start_bot()
    menus = world.fake.commands
    french = {c["command"]: c["description"] for c in menus["fr"]}
    english = {c["command"]: c["description"] for c in menus["en"]}
    assert french["aide"] == "Lister les commandes, ou en expliquer une."
    assert english["help"] == "List the commands, or explain one."
    assert {c["command"] for c in menus[""]} == set(french)


async def test_private_chat_works_only_after_the_member_started_the_bot(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    app = world.app
    assert app is not None
    room = await app.private_room(f"telegram:{world.bob}")
    assert room == f"telegram:{world.bob}"
    refused = await app.send(room, Outgoing("Bonjour"))
    assert not refused.ok
    world.fake.private_chat(world.bob)
    delivered = await app.send(room, Outgoing("Bonjour"))
    assert delivered.ok
    assert world.fake.texts(world.bob) == ["Bonjour"]


async def test_private_chat_message_is_from_an_organizer_of_their_own_room(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    chat = world.fake.private_chat(world.bob)
    replies = await world.reply_to(chat, world.bob, "/langue en")
    assert replies == ["This room now speaks English."]
