"""A general assembly's session on Telegram (python-telegram-bot's real HTTP stack against the
fake Bot API): the convocation with its calendar file, the session message with its « present »
button, a check-in by tap and by command, a paper proxy, and the quorum edited in place."""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram_app import TelegramWorld


def keyboard(message: dict[str, Any]) -> list[list[tuple[str, str]]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [[(b["text"], b["callback_data"]) for b in row] for row in rows]


async def test_agm_session_on_telegram(world: TelegramWorld) -> None:
    fake = world.fake
    carol = fake.user("Carol", username="carol")
    await world.start_bot()

    await world.reply_to(
        world.group,
        world.alice,
        "/ag convoquer 12 janvier 19h | Salle des fêtes | ordre du jour: Rapport moral; Budget",
        count=2,
    )
    documents = fake.documents(world.group)
    assert 1 == len(documents)
    message, upload = documents[0]
    assert upload.filename.endswith(".ics")
    assert "LOCATION:Salle des fêtes" in upload.content.decode()
    assert "2. Budget" in message.get("caption", "") + upload.content.decode().replace("\r\n ", "")

    opened = await world.reply_to(world.group, world.alice, "/ag ouvrir", count=2)
    session = next(m for m in fake.sent(world.group) if keyboard(m))
    assert opened[0].startswith("🏛 Assemblée générale ordinaire — séance ouverte")
    assert [[("Je suis présent·e", "agm:here:1")]] == keyboard(session)

    fake.tap(world.group, world.bob, session["message_id"], "agm:here:1")
    await fake.wait_for(lambda: len(fake.answered) == 1, what="the tap answered")
    here = await world.reply_to(world.group, carol, "/present à distance")
    proxy = await world.reply_to(world.group, world.alice, "/procuration Odile Martin → @bob")

    def current() -> str:
        return str(fake.messages[(world.group, session["message_id"])]["text"])

    await fake.wait_for(
        lambda: "Quorum : 3 présents ou représentés sur" in current(),
        what="the session message edited with the quorum",
    )
    assert "2 présents (1 à distance), 1 représenté par procuration." in current()
    assert ["Carol est présent·e (à distance)."] == here
    assert proxy[0].startswith("Procuration papier enregistrée : Odile Martin → Bob.")
