"""The links Telegram marks in a message (``url`` and ``text_link`` entities, in a text or a
media caption) and edited messages, as the Telegram adapter hands them to features: real
updates through python-telegram-bot and the fake Bot API server."""

from __future__ import annotations

import pytest

from bot.message import Incoming
from tests.fakes.recorder import Recorder
from tests.fakes.telegram_api import BOT_ID, entity
from tests.fakes.telegram_app import TelegramWorld


async def heard(world: TelegramWorld, recorder: Recorder, text: str) -> Incoming:
    """Wait until the listener got the message whose text is ``text``; return it."""
    await world.fake.wait_for(lambda: recorder.find(text), what=f"{text!r} heard")
    found = recorder.find(text)
    assert found is not None
    return found


@pytest.fixture
async def recorder(world: TelegramWorld) -> Recorder:
    recorder = Recorder()
    await world.start_bot(routers=[recorder.router])
    return recorder


async def test_links_text_link_after_an_emoji(world: TelegramWorld, recorder: Recorder) -> None:
    # The target is the link, whatever words carry it (here after an emoji).
    text = "🎉 Voir le site de la mairie pour l'AG"
    link = entity(text, "le site", "text_link", url="https://mairie.example/ag?utm_source=tg")
    world.fake.say(world.group, world.alice, text, entities=[link])

    message = await heard(world, recorder, text)
    assert ("https://mairie.example/ag?utm_source=tg",) == message.links
    assert message.edited is False


async def test_links_url_entity_is_its_own_text(world: TelegramWorld, recorder: Recorder) -> None:
    # The family emoji is 5 code points and 8 UTF-16 code units: offsets read as code points
    # would cut each URL a few characters too far.
    text = "👨‍👩‍👧 le compte rendu : https://asso.example/cr/2026-11 et https://asso.example/b"
    marked = [
        entity(text, "https://asso.example/cr/2026-11", "url"),
        entity(text, "https://asso.example/b", "url"),
    ]
    world.fake.say(world.group, world.bob, text, entities=marked)

    message = await heard(world, recorder, text)
    assert ("https://asso.example/cr/2026-11", "https://asso.example/b") == message.links


@pytest.mark.parametrize(
    ("expected", "marked"),
    [
        # In the order they appear, each once, whatever order the entities came in.
        (
            ("http://a.example/", "https://b.example/x"),
            [("lien B", "https://b.example/x"), ("lien A", "http://a.example/")],
        ),
        (
            ("https://b.example/x",),
            [("lien A", "https://b.example/x"), ("lien B", "https://b.example/x")],
        ),
        # Not web links: a Telegram user link, a mail address, a script, a bare word.
        ((), [("lien A", "tg://user?id=1001"), ("lien B", "mailto:ca@asso.example")]),
        ((), [("lien A", "javascript:alert(1)"), ("lien B", "asso.example")]),
        # An invisible right-to-left override hidden in the target is refused, not passed on.
        ((), [("lien A", "https://asso.example/\u202egpj.exe")]),
    ],
)
async def test_links_text_link_table(
    world: TelegramWorld,
    recorder: Recorder,
    expected: tuple[str, ...],
    marked: list[tuple[str, str]],
) -> None:
    text = f"Voir lien A puis lien B ({len(recorder.heard)})"
    entities = [entity(text, label, "text_link", url=url) for label, url in marked]
    world.fake.say(world.group, world.bob, text, entities=entities)

    assert expected == (await heard(world, recorder, text)).links


async def test_links_url_entity_without_scheme_is_not_a_web_link(
    world: TelegramWorld, recorder: Recorder
) -> None:
    # Telegram marks "bot.py" (Paraguay's domain) and "asso.example" as links: words, not shares.
    text = "le fichier bot.py est sur asso.example"
    marked = [entity(text, "bot.py", "url"), entity(text, "asso.example", "url")]
    world.fake.say(world.group, world.bob, text, entities=marked)

    assert () == (await heard(world, recorder, text)).links


async def test_links_at_most_twenty(world: TelegramWorld, recorder: Recorder) -> None:
    text = " ".join(f"https://asso.example/{n}" for n in range(300))
    marked = [entity(text, f"https://asso.example/{n} ", "url") for n in range(299)]
    marked = [{**e, "length": e["length"] - 1} for e in marked]
    world.fake.say(world.group, world.bob, text, entities=marked)

    message = await heard(world, recorder, text)
    assert tuple(f"https://asso.example/{n}" for n in range(20)) == message.links


async def test_links_entities_out_of_range_are_dropped(
    world: TelegramWorld, recorder: Recorder
) -> None:
    # A hostile client cannot make Telegram send this, but the adapter must not break on it.
    text = "court"
    marked = [
        {"type": "url", "offset": 3, "length": 500},
        {"type": "text_link", "offset": 0, "length": 5, "url": "https://asso.example/ok"},
    ]
    world.fake.say(world.group, world.bob, text, entities=marked)

    assert ("https://asso.example/ok",) == (await heard(world, recorder, text)).links


async def test_links_from_a_photo_caption(world: TelegramWorld, recorder: Recorder) -> None:
    caption = "📷 Affiche de la fête, détails ici et https://asso.example/fete"
    marked = [
        entity(caption, "ici", "text_link", url="https://asso.example/details"),
        entity(caption, "https://asso.example/fete", "url"),
    ]
    world.fake.send_photo(world.group, world.alice, caption, caption_entities=marked)

    message = await heard(world, recorder, caption)
    assert ("https://asso.example/details", "https://asso.example/fete") == message.links


async def test_links_plain_message_has_none(world: TelegramWorld, recorder: Recorder) -> None:
    world.fake.say(world.group, world.bob, "Bonjour à tous")

    message = await heard(world, recorder, "Bonjour à tous")
    assert ((), False) == (message.links, message.edited)


async def test_edit_is_delivered_marked_with_the_original_id(
    world: TelegramWorld, recorder: Recorder
) -> None:
    first = "Le programme :"
    world.fake.say(world.group, world.alice, first)
    original = await heard(world, recorder, first)

    text = "Le programme : https://asso.example/programme"
    world.fake.edit(
        world.group,
        world.alice,
        int(original.message_id),
        text,
        entities=[entity(text, "https://asso.example/programme", "url")],
    )

    edit = await heard(world, recorder, text)
    assert (True, original.message_id) == (edit.edited, edit.message_id)
    assert ("https://asso.example/programme",) == edit.links
    assert edit.sender == original.sender


async def test_edit_into_a_command_is_not_run_nor_heard(
    world: TelegramWorld, recorder: Recorder
) -> None:
    world.fake.say(world.group, world.bob, "coucou")
    original = await heard(world, recorder, "coucou")

    world.fake.edit(world.group, world.bob, int(original.message_id), "/parrot surprise")
    world.fake.edit(world.group, world.bob, int(original.message_id), " !parrot surprise")
    world.fake.say(world.group, world.bob, "après")  # updates are handled in order
    await heard(world, recorder, "après")

    assert ["coucou", "après"] == recorder.texts()
    assert [] == world.fake.texts(world.group)


async def test_command_still_runs_and_is_not_heard(
    world: TelegramWorld, recorder: Recorder
) -> None:
    assert ["parrot: https://asso.example"] == await world.reply_to(
        world.group, world.bob, "/parrot https://asso.example"
    )
    assert [] == recorder.heard


async def test_bot_own_message_is_not_heard(world: TelegramWorld, recorder: Recorder) -> None:
    bot_says = {"id": BOT_ID, "is_bot": True, "first_name": "assobot"}
    world.fake.say(world.group, world.bob, "https://asso.example/moi", extra={"from": bot_says})
    world.fake.say(world.group, world.bob, "ensuite")

    await heard(world, recorder, "ensuite")
    assert ["ensuite"] == recorder.texts()
