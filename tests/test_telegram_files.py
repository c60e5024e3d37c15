"""Files (an .ics, a CSV) sent as Telegram documents, through python-telegram-bot's real HTTP
stack and the fake Bot API server's multipart decoding."""

from __future__ import annotations

from bot.context import Context
from bot.message import Attachment, Outgoing
from bot.router import Router
from handlers import ROUTERS
from tests.fakes.telegram_app import TelegramWorld

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:F\xc3\xaate & co\r\nEND:VCALENDAR\r\n"


def file_router() -> Router:
    """A test-only feature whose command answers with a calendar file."""
    router = Router("files")

    @router.command("testfile", "fichiertest", help="Send the calendar file.")
    async def agenda(ctx: Context) -> None:
        size = int(ctx.text) if ctx.text.isdecimal() else 0
        text = "Le <calendrier> & ses dates" if not size else "x" * size
        await ctx.reply(text, attachment=Attachment("fête.ics", ICS, "text/calendar"))

    return router


async def test_file_is_sent_as_a_document_with_the_text_as_caption(world: TelegramWorld) -> None:
    await world.start_bot(routers=[*ROUTERS, file_router()])
    replies = await world.reply_to(world.group, world.bob, "/testfile")
    assert replies == ["Le <calendrier> & ses dates"]
    [(message, upload)] = world.fake.documents(world.group)
    assert ("fête.ics", ICS, "text/calendar") == (
        upload.filename,
        upload.content,
        upload.content_type,
    )
    assert "Le &lt;calendrier&gt; &amp; ses dates" == message["html"]
    asked = next(m for m in world.fake.messages.values() if m.get("text") == "/testfile")
    assert asked["message_id"] == message["reply_to_message"]["message_id"]


async def test_text_too_long_for_a_caption_comes_first_then_the_file(
    world: TelegramWorld,
) -> None:
    await world.start_bot(routers=[*ROUTERS, file_router()])
    replies = await world.reply_to(world.group, world.bob, "/testfile 1500", count=2)
    assert ["x" * 1500, ""] == replies
    [(message, upload)] = world.fake.documents(world.group)
    assert "caption" not in message
    assert ICS == upload.content


async def test_document_refused_with_429_is_sent_again_whole_and_once(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    app = world.app
    assert app is not None
    world.fake.fail_next_sends(1, retry_after=1)
    attachment = Attachment("membres.csv", b"nom;email\nAlice;a@example.org\n", "text/csv")
    delivery = await app.send(f"telegram:{world.group}", Outgoing("Export", attachment=attachment))
    assert delivery.ok
    assert [429, 200] == [c.status for c in world.fake.calls_to("sendDocument", ok_only=False)]
    [(message, upload)] = world.fake.documents(world.group)
    assert (delivery.message_id, attachment.content) == (
        str(message["message_id"]),
        upload.content,
    )


async def test_document_to_a_member_who_never_started_the_bot_is_reported(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    app = world.app
    assert app is not None
    attachment = Attachment("a.ics", ICS, "text/calendar")
    delivery = await app.send(f"telegram:{world.bob}", Outgoing("", attachment=attachment))
    assert not delivery.ok
    assert [] == world.fake.documents()
