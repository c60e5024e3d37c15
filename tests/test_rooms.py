"""Rooms and associations: linking, announcing, language, timezone, the organizer role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.harness import Harness


async def _code(bot: Harness, room: str) -> str:
    replies = await bot.say("/lier", room=room, member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match, replies
    return match.group(1)


async def test_pair_links_two_rooms_and_tells_both(bot: Harness) -> None:
    bot.organizer("alice", "asso")
    bot.organizer("alice", "bureau")
    code = await _code(bot, "asso")

    lines = await bot.say_lines(f"/lier {code}", room="bureau")

    assert [("bureau", True), ("asso", True)] == [
        (line.room, "relié" in line.text) for line in lines
    ]
    assert lines[0].text.startswith("Relié à asso (console).")
    assert "bureau (console) est maintenant relié à ce salon (par Alice)." == lines[1].text
    listing = await bot.say("/salons", room="asso")
    assert ["Cette association a 2 salons :\n• asso (console) (ce salon)\n• bureau (console)"] == (
        listing
    )


async def test_announce_reaches_every_linked_room_in_its_language(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    code = await _code(bot, "asso")
    await bot.say(f"/lier {code}", room="bureau")
    await bot.say("/langue en", room="bureau")

    lines = await bot.say_lines("/annonce AG samedi <b>14h</b> & pot", room="asso")

    assert [
        ("asso", "📣 Annonce — Alice :\nAG samedi <b>14h</b> & pot"),
        ("bureau", "📣 Announcement from Alice:\nAG samedi <b>14h</b> & pot"),
        ("asso", "Annonce envoyée dans 2 salons."),
    ] == [(line.room, line.text) for line in lines]
    stored = bot.app.store.rooms.announcements_since(
        "console:bureau", bot.app.clock.now() - timedelta(minutes=1)
    )
    assert ["AG samedi <b>14h</b> & pot"] == [a.text for a in stored]


async def test_announce_in_a_lone_room_posts_once(bot: Harness) -> None:
    assert ["📣 Annonce — Alice :\nRéunion demain"] == await bot.say("/annonce Réunion demain")


async def test_announce_without_text_shows_usage(bot: Harness) -> None:
    assert [
        "Écrivez l'annonce après la commande.\nUtilisation : /annonce texte\n"
        "Exemple : /annonce Assemblée générale samedi à 14h, salle B"
    ] == await bot.say("/annonce")


async def test_pair_code_expires(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    code = await _code(bot, "asso")
    await bot.advance(timedelta(minutes=16))
    replies = await bot.say(f"/lier {code}", room="bureau")
    assert [
        "Ce code est inconnu ou a expiré. Demandez-en un nouveau avec /lier dans l'autre salon."
    ] == replies


async def test_pair_code_is_single_use(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    bot.organizer("alice", "tresorerie")
    code = await _code(bot, "asso")
    await bot.say(f"/lier {code}", room="bureau")
    replies = await bot.say(f"/lier {code}", room="tresorerie")
    assert replies[0].startswith("Ce code est inconnu ou a expiré.")


async def test_pair_code_typed_in_its_own_room_is_refused(bot: Harness) -> None:
    code = await _code(bot, "asso")
    assert ["Ce code vient de ce salon : tapez-le dans l'autre salon."] == await bot.say(
        f"/lier {code}"
    )


async def test_pair_with_a_malformed_code_shows_usage(bot: Harness) -> None:
    replies = await bot.say("/lier 123")
    assert replies[0].startswith("Un code de liaison a 8 lettres et chiffres, comme K7M2QX9A.")
    assert "Utilisation : /lier [CODE]" in replies[0]


async def test_unpair_gives_the_room_its_own_association(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    code = await _code(bot, "asso")
    await bot.say(f"/lier {code}", room="bureau")
    assert ["Ce salon n'est plus relié à : asso (console)."] == await bot.say(
        "/delier", room="bureau"
    )
    assert (await bot.say("/salons", room="asso"))[0].startswith(
        "Ce salon n'est relié à aucun autre salon."
    )


async def test_language_shows_then_changes(bot: Harness) -> None:
    assert [
        "Ce salon parle français. Les organisateurs la changent avec /langue fr ou /langue en."
    ] == await bot.say("/langue")
    assert ["This room now speaks English."] == await bot.say("/langue anglais")
    assert ["Ce salon parle maintenant français."] == await bot.say("/language fr")


async def test_language_unknown_is_explained(bot: Harness) -> None:
    replies = await bot.say("/langue de")
    assert replies[0].startswith("Langue inconnue « de » : choisissez fr ou en.")


async def test_language_change_is_for_organizers(bot: Harness) -> None:
    assert ["Seuls les organisateurs peuvent faire cela."] == await bot.say(
        "/langue en", member="bob"
    )


async def test_timezone_changes_how_dates_are_written(bot: Harness) -> None:
    # The harness clock starts on Tuesday 1 December 2026 at 08:00 UTC.
    replies = await bot.say("/fuseau america/montreal")
    assert replies[0].startswith(
        "Le fuseau horaire de ce salon est maintenant America/Montreal : "
        "il est mardi 1 décembre 2026 à 03:0"
    )


async def test_timezone_unknown_is_explained(bot: Harness) -> None:
    replies = await bot.say("/fuseau Mars/Olympus")
    assert replies[0].startswith("Fuseau horaire inconnu « Mars/Olympus »")


UNKNOWN_ZONE = (
    "Fuseau horaire inconnu « {value} » : écrivez-le comme Europe/Paris ou America/Montreal.\n"
    "Utilisation : /fuseau [Zone/Ville]\nExemple : /fuseau America/Montreal"
)


@pytest.mark.parametrize(
    ("expected", "value"),
    [
        (
            "« right/Europe/Paris » est la copie système du fuseau Europe/Paris, pas un nom "
            "de fuseau horaire : écrivez Europe/Paris.",
            "right/Europe/Paris",
        ),
        (
            "« posix/America/Montreal » est la copie système du fuseau America/Montreal, pas "
            "un nom de fuseau horaire : écrivez America/Montreal.",
            "posix/America/Montreal",
        ),
        (UNKNOWN_ZONE.format(value="localtime").split("\n")[0], "localtime"),
        (UNKNOWN_ZONE.format(value="Factory").split("\n")[0], "Factory"),
        (UNKNOWN_ZONE.format(value="posixrules").split("\n")[0], "posixrules"),
        (UNKNOWN_ZONE.format(value="US/Eastern").split("\n")[0], "US/Eastern"),
        (UNKNOWN_ZONE.format(value="EST").split("\n")[0], "EST"),
    ],
)
async def test_timezone_accepts_canonical_iana_names_only(
    bot: Harness, expected: str, value: str
) -> None:
    replies = await bot.say(f"/fuseau {value}")

    assert expected == replies[0].split("\n")[0]
    assert "Europe/Paris" == bot.app.store.rooms.get("console:asso").timezone  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("expected", "value"), [("UTC", "utc"), ("Etc/UTC", "Etc/UTC"), ("Asia/Tokyo", "ASIA/TOKYO")]
)
async def test_timezone_keeps_utc_and_any_case(bot: Harness, expected: str, value: str) -> None:
    replies = await bot.say(f"/fuseau {value}")
    assert replies[0].startswith(f"Le fuseau horaire de ce salon est maintenant {expected} :")


async def test_timezone_hostile_value_is_clipped_and_cleaned(bot: Harness) -> None:
    replies = await bot.say("/fuseau Europe/\u202eParis" + "x" * 10_000 + "\x1b[2J")

    first = replies[0].split("\n")[0]
    assert len(first) < 200
    assert "\u202e" not in first and "\x1b" not in first
    assert first.startswith("Fuseau horaire inconnu « Europe/Parisxxx")


@pytest.mark.parametrize("command", ["/langue", "/organisateur"])
async def test_room_commands_do_not_echo_10000_characters(bot: Harness, command: str) -> None:
    replies = await bot.say(f"{command} \u202e{'y' * 10_000}")
    assert len(replies[0]) < 300
    assert "\u202e" not in replies[0]


async def test_organizer_role_can_be_granted_and_revoked(bot: Harness) -> None:
    await bot.say("bonjour", member="bob")
    assert ["Bob fait maintenant partie des organisateurs de ce salon."] == await bot.say(
        "/organisateur @bob", member="alice"
    )
    assert ["This room now speaks English."] == await bot.say("/langue en", member="bob")
    assert ["Bob is no longer an organizer of this room."] == await bot.say(
        "/organizer remove @bob", member="alice"
    )
    assert ["Only organizers can do this."] == await bot.say("/language fr", member="bob")


async def test_organizer_unknown_member_is_explained(bot: Harness) -> None:
    assert ["Personne n'a encore écrit sous le nom « @zoe » dans ce salon."] == await bot.say(
        "/organisateur @zoe"
    )


async def test_organizer_listing(bot: Harness) -> None:
    await bot.say("salut", member="bob")
    await bot.say("/organisateur bob", member="alice")
    replies = await bot.say("/organisateur", member="bob")
    assert replies[0].startswith("Organisateurs nommés par commande : @bob.")


async def test_organizer_listing_names_no_platform(bot: Harness) -> None:
    """The console, Telegram and Matrix all have admins: the reply speaks of none in
    particular (no "Matrix power level" in a Telegram group)."""
    await bot.say("salut", member="bob")
    await bot.say("/organisateur bob", member="alice")

    french = await bot.say("/organisateur", member="bob")
    await bot.say("/langue en", member="alice")
    english = await bot.say("/organizer", member="bob")

    assert [
        "Organisateurs nommés par commande : @bob. Les administrateurs du groupe ou du salon "
        "sont aussi organisateurs."
    ] == french
    assert [
        "Organizers named by command: @bob. Group and room admins are organizers too."
    ] == english


async def test_private_chat_member_is_organizer_there(bot: Harness) -> None:
    assert ["This room now speaks English."] == await bot.say(
        "/langue en", member="bob", room="dm-bob"
    )
