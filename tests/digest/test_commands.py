"""/resume (/digest) on the console: subscribe, unsubscribe, preview, archive, remove, pin,
private chats, linked and private rooms, blocked subscribers, hostile inputs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.message import Delivery, Outgoing
from tests.harness import Harness

# The harness starts on Tuesday 1 December 2026, 09:00 in Paris; digests default to Mondays 09:00.
TO_MONDAY = timedelta(days=6)


def digests(bot: Harness, room: str) -> list[str]:
    return [s.out.text for s in bot.sent if s.room == room and s.out.text.startswith("Résumé du")]


async def week_in(bot: Harness, room: str = "asso") -> None:
    await bot.say("Le budget : https://example.org/budget #finances", member="bob", room=room)
    await bot.say("/annonce Local fermé lundi", member="alice", room=room)


async def test_digest_subscribe_default_monday_9(bot: Harness) -> None:
    replies = await bot.say("/resume abonner")
    assert [
        "Résumé activé : une fois par semaine ; le prochain le lundi 7 décembre 2026 à 09:00."
    ] == replies


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (("weekly", 4, 17, 0), "vendredi 17h"),
        (("daily", 0, 8, 0), "chaque jour 8h"),
        (("weekly", 4, 17, 0), "every friday 5pm"),
        (("daily", 0, 8, 0), "daily 8am"),
        (("weekly", 1, 9, 0), "tous les mardis"),
        (("weekly", 0, 18, 30), "18h30"),
        (("daily", 0, 9, 0), "chaque jour"),
    ],
)
async def test_digest_subscribe_cadences(
    expected: tuple[str, int, int, int], text: str, bot: Harness
) -> None:
    await bot.say(f"/resume abonner {text}")
    found = bot.app.store.digests.of_room("console:asso")
    assert found is not None
    assert expected == (found.cadence, found.weekday, found.hour, found.minute)
    assert ("Europe/Paris", "fr") == (found.timezone, found.language)


@pytest.mark.parametrize(
    "text",
    [
        "vendredi 25h",
        "le 12 décembre",
        "toutes les heures",
        "12345678901234567890h",
        "tous les 2 jours",
        "vendredi 17h et puis quoi",
        "99999999999999999999",
    ],
)
async def test_digest_subscribe_hostile_schedule(text: str, bot: Harness) -> None:
    replies = await bot.say(f"/resume abonner {text}")
    assert 1 == len(replies)
    assert bot.app.store.digests.of_room("console:asso") is None


async def test_digest_subscribe_room_needs_an_organizer(bot: Harness) -> None:
    replies = await bot.say("/resume abonner", member="bob")
    assert ["Seuls les organisateurs peuvent faire cela."] == replies
    assert bot.app.store.digests.of_room("console:asso") is None


async def test_digest_weekly_sent_once_on_monday(bot: Harness) -> None:
    await bot.say("/resume abonner")
    await week_in(bot)
    await bot.advance(TO_MONDAY - timedelta(minutes=5))
    assert [] == digests(bot, "asso")
    await bot.advance(timedelta(minutes=10))
    await bot.advance(timedelta(days=1))
    sent = digests(bot, "asso")
    assert 1 == len(sent)
    assert "3. Annonces\n  3.1 Alice : Local fermé lundi" in sent[0]
    assert "#finances\n  4.1 https://example.org/budget — partagé par Bob" in sent[0]


async def test_digest_empty_is_not_sent(bot: Harness) -> None:
    await bot.say("/resume abonner chaque jour 8h")
    await bot.advance(timedelta(days=2))
    assert [] == digests(bot, "asso")


async def test_digest_daily_across_dst(data_dir) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from tests.digest.conftest import config

    bot = await Harness.start(config(data_dir), start=datetime(2026, 3, 27, 12, tzinfo=UTC))
    try:
        await bot.say("/resume abonner chaque jour 8h")
        for day in range(3):
            await bot.say(f"/annonce Jour {day}", member="alice")
            await bot.advance(timedelta(days=1))
        sends = bot.app.store.digests.sends(bot.app.store.digests.of_room("console:asso").id)  # type: ignore[union-attr]
        # 08:00 in Paris: 07:00 UTC before the change of 29 March, 06:00 UTC after
        assert [
            datetime(2026, 3, 30, 6, tzinfo=UTC),
            datetime(2026, 3, 29, 6, tzinfo=UTC),
            datetime(2026, 3, 28, 7, tzinfo=UTC),
        ] == [send.due for send in sends]
    finally:
        await bot.stop()


async def test_digest_preview_period_so_far(bot: Harness) -> None:
    assert [
        "Rien pour le résumé depuis le lundi 30 novembre 2026 pour l'instant."
    ] == await bot.say("/resume")
    await week_in(bot)
    preview = await bot.say("/resume", member="bob")
    assert preview[0].startswith("Résumé du lundi 30 novembre 2026 au mardi 1 décembre 2026")
    assert "Local fermé lundi" in preview[0]
    assert [] == digests(bot, "asso")[1:]  # a preview is not a send: nothing in the ledger


async def test_digest_unsubscribe(bot: Harness) -> None:
    await bot.say("/resume abonner")
    await week_in(bot)
    assert ["Résumé désactivé : plus de résumé ici."] == await bot.say("/resume desabonner")
    assert ["Il n'y a pas d'abonnement au résumé ici."] == await bot.say("/digest unsubscribe")
    await bot.advance(TO_MONDAY + timedelta(hours=1))
    assert [] == digests(bot, "asso")


async def test_digest_archive_list_and_show_again(bot: Harness) -> None:
    assert ["Aucun résumé n'a encore été envoyé ici."] == await bot.say("/resume archive")
    await bot.say("/resume abonner")
    await week_in(bot)
    await bot.advance(TO_MONDAY + timedelta(minutes=10))
    listing = await bot.say("/resume archive")
    assert [
        "Résumés envoyés ici (le plus récent d'abord) :\n1. lundi 7 décembre 2026\n"
        "En revoir un : /resume archive N."
    ] == listing
    assert digests(bot, "asso")[:1] == await bot.say("/resume archive 1")


@pytest.mark.parametrize("number", ["0", "2", "99999999999999999999", "-1", "abc"])
async def test_digest_archive_hostile_number(number: str, bot: Harness) -> None:
    await bot.say("/resume abonner")
    await week_in(bot)
    await bot.advance(TO_MONDAY + timedelta(minutes=10))
    replies = await bot.say(f"/resume archive {number}")
    assert 1 == len(replies) and not replies[0].startswith("Résumé du")


async def test_digest_remove_item(bot: Harness) -> None:
    await week_in(bot)
    assert ["Retiré du prochain résumé : Alice : Local fermé lundi"] == await bot.say(
        "/resume retirer 3.1"
    )
    preview = await bot.say("/resume")
    assert "Local fermé" not in preview[0] and "example.org/budget" in preview[0]


@pytest.mark.parametrize(
    ("expected", "ref"),
    [
        ("Il n'y a pas d'élément 99.99 dans le prochain résumé.", "99.99"),
        ("Il n'y a pas d'élément 4.2 dans le prochain résumé.", "4.2"),
        ("Dites quel élément", "12345678901234567890.1"),
        ("Dites quel élément", "abc"),
        ("Dites quel élément", "4.2 4.1"),
        ("Dites quel élément", ""),
    ],
)
async def test_digest_remove_hostile(expected: str, ref: str, bot: Harness) -> None:
    await week_in(bot)
    replies = await bot.say(f"/resume retirer {ref}")
    assert replies[0].startswith(expected)


async def test_digest_remove_needs_an_organizer(bot: Harness) -> None:
    await week_in(bot)
    assert ["Seuls les organisateurs peuvent faire cela."] == await bot.say(
        "/resume retirer 3.1", member="bob"
    )


async def test_digest_pin_link(bot: Harness) -> None:
    await week_in(bot)
    await bot.say("Autre : https://example.org/other", member="carol")
    assert ["Le lien n°2 est épinglé en tête du prochain résumé."] == await bot.say(
        "/resume epingler lien 2", member="alice"
    )
    lines = (await bot.say("/resume", member="alice"))[0].splitlines()
    assert "📌 https://example.org/other — partagé par Carol" == lines[1]


@pytest.mark.parametrize(
    ("expected", "args"),
    [
        ("Il n'y a pas de lien n°99 ici.", "lien 99"),
        ("12345678901234567890 est trop grand", "lien 12345678901234567890"),
        ("Dites quel lien", "sondage 1"),
        ("Dites quel lien", "lien"),
    ],
)
async def test_digest_pin_hostile(expected: str, args: str, bot: Harness) -> None:
    await week_in(bot)
    replies = await bot.say(f"/resume epingler {args}")
    assert replies[0].startswith(expected)


async def test_digest_private_chat_subscription(bot: Harness) -> None:
    await week_in(bot)
    replies = await bot.say("/resume abonner vendredi 17h", member="bob", room="dm-bob")
    assert [
        "Résumé activé : une fois par semaine ; le prochain le vendredi 4 décembre 2026 à 17:00.\n"
        "Il couvre : asso."
    ] == replies
    await bot.advance(timedelta(days=3, hours=9))
    sent = digests(bot, "dm-bob")
    assert 1 == len(sent) and "Local fermé lundi" in sent[0]
    assert [] == digests(bot, "asso")


async def test_digest_private_chat_never_seen_is_refused(bot: Harness) -> None:
    replies = await bot.say("/resume abonner", member="zoe", room="dm-zoe")
    assert replies[0].startswith("Je ne vous ai encore vu dans aucun salon")


async def test_digest_private_chat_cannot_edit(bot: Harness) -> None:
    await week_in(bot)
    replies = await bot.say("/resume retirer 3.1", member="bob", room="dm-bob")
    assert ["Le résumé se modifie dans un salon, par ses organisateurs."] == replies


async def test_digest_linked_rooms_share_content(bot: Harness) -> None:
    await bot.say("bonjour", member="alice", room="asso")
    await bot.say("bonjour", member="alice", room="bureau")
    store = bot.app.store
    assert store.rooms.link("console:asso", "console:bureau")
    bot.organizer("alice", "bureau")
    await bot.say("/resume abonner", member="alice", room="asso")
    await bot.say("/langue en", member="alice", room="bureau")
    await bot.say("/digest subscribe", member="alice", room="bureau")
    await week_in(bot)
    await bot.advance(TO_MONDAY + timedelta(minutes=10))
    french = digests(bot, "asso")
    english = [
        s.out.text for s in bot.sent if s.room == "bureau" and s.out.text.startswith("Digest from")
    ]
    assert 1 == len(french) == len(english)
    assert "Local fermé lundi" in french[0] and "Local fermé lundi" in english[0]
    assert "3. Announcements" in english[0]


async def test_digest_private_room_items_kept_private(bot: Harness) -> None:
    await bot.say("bonjour", member="alice", room="asso")
    await bot.say("bonjour", member="alice", room="secret")
    store = bot.app.store
    assert store.rooms.link("console:asso", "console:secret")
    bot.organizer("alice", "secret")
    await bot.say("/liens prive", member="alice", room="secret")
    await bot.say("https://example.org/secret", member="bob", room="secret")
    await bot.say("https://example.org/public", member="bob", room="asso")
    in_asso = (await bot.say("/resume", room="asso"))[0]
    in_secret = (await bot.say("/resume", room="secret"))[0]
    assert "example.org/secret" not in in_asso and "example.org/public" in in_asso
    assert "example.org/secret" in in_secret and "example.org/public" in in_secret


async def test_digest_blocked_subscriber_inactive_until_they_write(bot: Harness) -> None:
    await week_in(bot)
    await bot.say("/resume abonner", member="bob", room="dm-bob")
    services = bot.app.services
    real = services.send
    tried: list[str] = []

    async def blocked(room_key: str, out: Outgoing) -> Delivery:
        if room_key == "console:dm-bob" and out.text.startswith("Résumé du"):
            tried.append(room_key)
            return Delivery(room_key, error="blocked")
        return await real(room_key, out)

    services.send = blocked
    await bot.advance(TO_MONDAY + timedelta(minutes=10))
    assert 1 == len(tried)
    found = bot.app.store.digests.of_room("console:dm-bob")
    assert found is not None and (False, True) == (found.active, found.blocked)
    await bot.advance(timedelta(days=7))
    assert 1 == len(tried)  # not retried while blocked, and nothing said to them
    services.send = real
    await bot.say("coucou", member="bob", room="dm-bob")
    found = bot.app.store.digests.of_room("console:dm-bob")
    assert found is not None and found.active
    await week_in(bot)
    await bot.advance(timedelta(days=7))
    assert 1 == len(digests(bot, "dm-bob"))


async def test_digest_unknown_action(bot: Harness) -> None:
    replies = await bot.say("/resume n'importe 12345678901234567890")
    assert replies[0].startswith("Choisissez abonner, desabonner")


async def test_digest_feeds_section_from_the_feeds_storage(bot: Harness) -> None:
    from storage.feeds import NewEntry

    await bot.say("bonjour")
    store = bot.app.store
    now = bot.app.clock.now()
    feed = store.feeds.create(
        "https://feed.example/rss", "https://feed.example/rss", "La Gazette", now, now
    )
    store.feeds.follow(feed.id, "console:asso", "console:alice", now)
    entries = [
        NewEntry(f"g{i}", f"https://feed.example/{i}", f"https://feed.example/{i}", f"h{i}",
                 f"Nouvelle {i}", "", now, True)
        for i in range(7)
    ]  # fmt: skip
    store.feeds.fetched(feed.id, now + timedelta(seconds=1), now, entries=entries)
    await bot.advance(timedelta(minutes=1))
    preview = (await bot.say("/resume"))[0]
    assert preview.endswith(
        # newest first, at most five, the rest counted
        "5. Veille\nLa Gazette\n  5.1 Nouvelle 6\n  5.2 Nouvelle 5\n  5.3 Nouvelle 4\n"
        "  5.4 Nouvelle 3\n  5.5 Nouvelle 2\n  …et 2 autres"
    )
