"""The console "sends" a file by saving it in the data folder and showing where."""

from __future__ import annotations

from bot.message import Attachment, Outgoing
from tests.harness import Harness


async def test_attachment_is_saved_and_its_path_shown(bot: Harness) -> None:
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    await bot.app.send(
        "console:asso",
        Outgoing("Agenda", attachment=Attachment("agenda de l'asso.ics", ics, "text/calendar")),
    )
    [path] = bot.console.files
    assert ics == path.read_bytes()
    assert "agenda_de_l_asso.ics" == path.name
    assert bot.app.config.data_dir / "files" == path.parent
    assert f"Agenda\n📎 agenda de l'asso.ics → {path}" == bot.replies[-1].text


async def test_a_file_sent_again_never_replaces_the_first(bot: Harness) -> None:
    for content in (b"first links", b"second links"):
        await bot.app.send(
            "console:asso",
            Outgoing("Liens", attachment=Attachment("liens-vote-2.csv", content, "text/csv")),
        )

    first, second = bot.console.files
    assert (b"first links", b"second links") == (first.read_bytes(), second.read_bytes())
    assert ("liens-vote-2.csv", "liens-vote-2-2.csv") == (first.name, second.name)


async def test_an_edited_message_is_marked_in_the_rooms_language(bot: Harness) -> None:
    import io

    screen = io.StringIO()
    bot.console.output = screen
    await bot.say("bonjour", member="alice")
    delivery = await bot.app.send("console:asso", Outgoing("Quorum : 3"))
    await bot.app.edit("console:asso", delivery.message_id, Outgoing("Quorum : 4"))
    await bot.say("/langue en", member="alice")
    await bot.app.edit("console:asso", delivery.message_id, Outgoing("Quorum: 5"))

    shown = screen.getvalue()
    assert "assobot ▸ (modifié) Quorum : 4" in shown
    assert "assobot ▸ (edited) Quorum: 5" in shown
