"""The general assembly in the console: the roll (/membres), convocation (/ag convoquer) with
its calendar file and warnings, the session (/ag ouvrir), attendance (/present, /depart, the
button), proxies for the assembly (own and paper), the live quorum, closing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.message import Room
from storage.assembly import AssemblyStatus
from storage.reminders import ReminderStatus
from tests.harness import Harness
from tests.polls.helpers import link_bureau

CONVENE = (
    "/ag convoquer 12 janvier 19h | Salle des fêtes, 3 rue Haute | ordre du jour: Rapport "
    "moral; Comptes 2026; Budget 2027; Élection du bureau"
)


def association(bot: Harness, room: str = "asso") -> int:
    record = bot.app.services.store.rooms.get(f"console:{room}")
    assert record is not None
    return record.association_id


async def convene_and_open(bot: Harness) -> int:
    bot.organizer("alice")
    await bot.say(CONVENE, member="alice", room="asso")
    await bot.say("/ag ouvrir", member="alice")
    found = bot.app.services.store.assembly.current(association(bot))
    assert found is not None
    return found.id


# The roll ---------------------------------------------------------------------------------


async def test_membres_pasted_names_one_per_line_are_added_once(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("bonjour", member="bob")

    added = await bot.say(
        "/membres ajouter Odile Martin\nPaul Durand\n\nodile  MARTIN\nZoé <b>X</b>",
        member="alice",
    )
    listed = await bot.say("/membres", member="bob")

    assert (
        "3 noms ajoutés à la liste des membres : Odile Martin, Paul Durand, Zoé <b>X</b>."
        == (added[0].split("\n")[0])
    )
    assert listed[0].split("\n") == [
        "Liste des membres : 5 personnes.",
        "• Alice (Console)",
        "• Bob (Console)",
        "• Odile Martin (pas dans la discussion)",
        "• Paul Durand (pas dans la discussion)",
        "• Zoé <b>X</b> (pas dans la discussion)",
    ]


async def test_membres_retirer_removes_an_added_name(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("/membres ajouter Odile Martin", member="alice")

    removed = await bot.say("/membres retirer odile martin", member="alice")
    again = await bot.say("/membres retirer Odile Martin", member="alice")

    assert ["Odile Martin ne figure plus sur la liste des membres."] == removed
    assert again[0].startswith("Odile Martin n'est pas un nom ajouté")


async def test_membres_count_is_stored_in_the_statutes(bot: Harness) -> None:
    bot.organizer("alice")

    replies = await bot.say("/membres 40", member="alice")

    store = bot.app.services.store
    assert 40 == store.statutes.get(association(bot)).members_count
    assert 40 == store.assembly.roll_size(association(bot))
    assert replies[0].startswith("L'association compte 40 membres")


@pytest.mark.parametrize(
    "text",
    [
        "/membres ajouter Odile\x1b[31mMartin",
        "/membres ajouter Odile | Martin",
        "/membres ajouter " + "x" * 10_000,
        "/membres 99999999999999999999999",
        "/membres 0",
    ],
)
async def test_membres_hostile_input_is_refused_and_nothing_stored(
    bot: Harness, text: str
) -> None:
    bot.organizer("alice")

    replies = await bot.say(text, member="alice")

    assert replies and "quelque chose s'est mal passé" not in replies[0]
    assert 0 == bot.app.services.store.assembly.roll_names(association(bot))
    assert bot.app.services.store.statutes.get(association(bot)).members_count is None


async def test_membres_rtl_mark_is_dropped_from_a_name(bot: Harness) -> None:
    bot.organizer("alice")

    await bot.say("/membres ajouter \u202eOdile Martin", member="alice")

    assert ["Odile Martin"] == [
        e.name for e in bot.app.services.store.assembly.roll(association(bot)) if e.entry_id
    ]


async def test_membres_paste_cap(bot: Harness) -> None:
    bot.organizer("alice")
    names = "\n".join(f"Membre {i}" for i in range(101))

    replies = await bot.say(f"/membres ajouter {names}", member="alice")

    assert replies[0].startswith("Au plus 100 noms à la fois")
    assert 0 == bot.app.services.store.assembly.roll_names(association(bot))


async def test_membres_add_by_a_member_is_refused(bot: Harness) -> None:
    replies = await bot.say("/membres ajouter Odile Martin", member="bob")

    assert ["Seuls les organisateurs peuvent faire cela."] == replies
    assert 0 == bot.app.services.store.assembly.roll_names(association(bot))


# Convocation ------------------------------------------------------------------------------


async def test_ag_convoquer_sends_the_convocation_with_its_calendar_file(bot: Harness) -> None:
    bot.organizer("alice")

    replies = await bot.say(CONVENE, member="alice")

    convocation = next(s.out for s in bot.sent if s.out.attachment is not None)
    assert convocation.text.split("\n")[:4] == [
        "📣 Convocation",
        "Assemblée générale ordinaire : mardi 12 janvier 2027 à 19:00.",
        "Lieu : Salle des fêtes, 3 rue Haute",
        "Ordre du jour :",
    ]
    assert "4. Élection du bureau" in convocation.text
    assert convocation.attachment is not None
    ics = convocation.attachment.content.decode().replace("\r\n ", "")
    assert "DTSTART;TZID=Europe/Paris:20270112T190000" in ics
    assert "DTEND;TZID=Europe/Paris:20270112T210000" in ics
    assert "LOCATION:Salle des fêtes\\, 3 rue Haute" in ics
    assert "3. Budget 2027" in ics
    assert replies[-1].startswith("Assemblée générale convoquée")
    assert (
        "Rappels : lundi 28 décembre 2026 à 19:00, lundi 11 janvier 2027 à 19:00." in (replies[-1])
    )


async def test_ag_convoquer_warnings_repeat_the_agenda_and_how_to_give_a_proxy(
    bot: Harness,
) -> None:
    bot.organizer("alice")
    await bot.say(CONVENE, member="alice")

    store = bot.app.services.store
    assembly = store.assembly.current(association(bot))
    assert assembly is not None and assembly.event_id is not None
    warnings = store.reminders.of_event(assembly.event_id)
    assert 2 == len(warnings)
    assert all(w.everywhere and w.status is ReminderStatus.ACTIVE for w in warnings)
    assert "2. Comptes 2026" in warnings[0].text and "/procuration" in warnings[0].text
    event = store.events.get(assembly.event_id)
    assert event is not None and "Salle des fêtes, 3 rue Haute" == event.place


async def test_ag_convoquer_within_the_notice_period_warns_but_convenes(bot: Harness) -> None:
    bot.organizer("alice")

    replies = await bot.say("/ag convoquer samedi 14h | En ligne", member="alice")

    assert "⚠️ Vos statuts demandent un préavis de 15 jours" in replies[-1]
    assert bot.app.services.store.assembly.current(association(bot)) is not None


async def test_ag_convoquer_extraordinaire_and_twice_refused(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("/ag convoquer extraordinaire 12 janvier 19h", member="alice")

    again = await bot.say(CONVENE, member="alice")

    found = bot.app.services.store.assembly.current(association(bot))
    assert found is not None and found.extraordinary
    assert again[0].startswith("Une assemblée générale est déjà convoquée")


async def test_ag_convoquer_by_a_member_is_refused(bot: Harness) -> None:
    replies = await bot.say(CONVENE, member="bob")

    assert ["Seuls les organisateurs peuvent faire cela."] == replies
    assert bot.app.services.store.assembly.current(association(bot)) is None


async def test_ag_convoquer_reaches_every_linked_room(bot: Harness) -> None:
    await bot.say("bonjour", member="alice", room="bureau")
    await link_bureau(bot)
    bot.organizer("alice")

    await bot.say(CONVENE, member="alice", room="asso")

    assert ["asso", "bureau"] == sorted(s.room for s in bot.sent if s.out.attachment)
    store = bot.app.services.store
    assembly = store.assembly.current(association(bot))
    assert assembly is not None
    assert {"console:asso", "console:bureau"} == {
        c.target for c in store.assembly.convocations(assembly.id)
    }


async def test_ag_convocations_envoyer_logs_each_member(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("bonjour", member="bob")
    await bot.say(CONVENE, member="alice")

    replies = await bot.say("/ag convocations envoyer", member="alice")
    await bot.advance(timedelta(seconds=1))
    log = await bot.say("/ag convocations", member="alice")

    assert replies[0].startswith("Envoi de la convocation en privé à chaque membre")
    assert "Convocation envoyée en privé à 2 membres." == bot.sent[-2].out.text
    assert log[0].startswith("Convocations : 1 salon(s), 2 membre(s) en privé.")
    assert {"dm-alice", "dm-bob"} <= {s.room for s in bot.sent}


async def test_ag_ordre_edits_the_agenda_until_the_session_opens(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say(CONVENE, member="alice")

    edited = await bot.say("/ag ordre Rapport moral\nBudget", member="alice")
    await bot.say("/ag ouvrir", member="alice")
    refused = await bot.say("/ag ordre Autre chose", member="alice")

    assert ["Ordre du jour :\n1. Rapport moral\n2. Budget"] == edited
    assert refused[0].startswith("La séance est ouverte : l'ordre du jour ne peut plus")


@pytest.mark.parametrize(
    "text",
    [
        "/ag convoquer",
        "/ag convoquer hier 19h",
        "/ag convoquer 12 janvier 19h | " + "x" * 10_000,
        "/ag convoquer 12 janvier 19h | ordre du jour: " + "; ".join(["a"] * 31),
        "/ag convoquer \u202e12 janvier",
        "/ag danser",
    ],
)
async def test_ag_hostile_input_is_refused_and_nothing_stored(bot: Harness, text: str) -> None:
    bot.organizer("alice")

    replies = await bot.say(text, member="alice")

    assert replies and "quelque chose s'est mal passé" not in replies[0]
    assert bot.app.services.store.assembly.current(association(bot)) is None


# The session ------------------------------------------------------------------------------


async def test_present_depart_and_the_live_quorum(bot: Harness) -> None:
    await bot.say("/membres 10", member="alice")
    bot.organizer("alice")
    await bot.say("/statuts quorum 1/4", member="alice")
    await convene_and_open(bot)
    start = len(bot.edits)

    await bot.say("/present", member="alice")
    await bot.say("/present à distance", member="bob")
    await bot.say("/present", member="carol")
    await bot.advance(timedelta(seconds=2))
    left = await bot.say("/depart", member="carol")
    await bot.advance(timedelta(seconds=2))

    texts = [e.out.text for e in bot.edits[start:]]
    assert 2 == len(texts)  # three check-ins, one edit; then one for the departure
    assert "3 présents (1 à distance), 0 représenté par procuration." in texts[0]
    assert "Quorum : 3 présents ou représentés sur 10, il en faut 3 : atteint." in texts[0]
    assert "Quorum : 2 présents ou représentés sur 10, il en faut 3 : non atteint." in texts[1]
    assert ["Carol a quitté la séance."] == left


async def test_present_button_checks_in(bot: Harness) -> None:
    await convene_and_open(bot)

    answer = await bot.tap(1, member="dan", room="asso")

    assert any("Votre présence est enregistrée, Dan." in line for line in answer)
    store = bot.app.services.store
    assembly = store.assembly.current(association(bot))
    assert assembly is not None
    assert store.assembly.is_present(assembly.id, "console:dan")


async def test_present_names_by_the_secretary_and_refused_to_a_member(bot: Harness) -> None:
    await convene_and_open(bot)
    await bot.say("/ag secretaire @bob", member="alice")

    recorded = await bot.say("/present Odile Martin\nPaul Durand", member="bob")
    refused = await bot.say("/present Zoé Zed", member="carol")

    assert ["2 présences enregistrées : Odile Martin, Paul Durand."] == recorded
    assert [
        "Seul un organisateur, la présidence ou le secrétariat de séance peut faire cela."
    ] == (refused)


async def test_present_before_the_session_opens_is_refused(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say(CONVENE, member="alice")

    replies = await bot.say("/present", member="bob")

    assert replies[0].startswith("La séance n'est pas encore ouverte")


# Proxies ----------------------------------------------------------------------------------


async def test_procuration_paper_and_own_count_when_the_holder_is_present(bot: Harness) -> None:
    await convene_and_open(bot)
    await bot.say("bonjour", member="paul")

    paper = await bot.say("/procuration Odile Martin -> @paul", member="alice")
    own = await bot.say("/procuration @paul", member="bob")
    await bot.say("/present", member="paul")
    quorum = await bot.say("/ag quorum", member="alice")

    assert paper[0].startswith("Procuration papier enregistrée : Odile Martin → Paul.")
    assert "Ajouté à la liste des membres : Odile Martin." in paper[0]
    assert own[0].startswith("Paul vote désormais pour Bob à cette assemblée.")
    assert "1 présent, 2 représentés." in quorum[0]


@pytest.mark.parametrize("arrow", ["->", "→", "à", "to"])
async def test_procuration_paper_arrows(bot: Harness, arrow: str) -> None:
    await convene_and_open(bot)

    replies = await bot.say(f"/procuration Odile Martin {arrow} Paul Durand", member="alice")

    assert replies[0].startswith("Procuration papier enregistrée : Odile Martin → Paul Durand.")


async def test_procuration_cap_and_no_chain_from_the_statutes(bot: Harness) -> None:
    await convene_and_open(bot)
    bot.app.services.store.statutes.set(association(bot), "proxy_cap", 1, "x", bot.app.now())

    await bot.say("/procuration Odile Martin → Paul Durand", member="alice")
    capped = await bot.say("/procuration Zoé Zed → Paul Durand", member="alice")
    chained = await bot.say("/procuration Marc Petit → Odile Martin", member="alice")
    holder_gives = await bot.say("/procuration Paul Durand → Marc Petit", member="alice")

    assert capped[0].startswith(
        "Paul Durand détient déjà le nombre maximal de procurations permis par les statuts (1)."
    )
    assert chained[0].startswith("Odile Martin a donné sa propre voix")
    assert holder_gives[0].startswith("Paul Durand détient les votes d'autres membres")


async def test_procuration_paper_by_a_member_is_refused(bot: Harness) -> None:
    await convene_and_open(bot)

    replies = await bot.say("/procuration Odile Martin → Paul Durand", member="bob")

    assert replies[0].startswith("Seul un organisateur ou le secrétariat de séance enregistre")
    assembly = bot.app.services.store.assembly.current(association(bot))
    assert assembly is not None and [] == bot.app.services.store.assembly.proxies(assembly.id)


async def test_procuration_giver_who_checks_in_gets_the_vote_back(bot: Harness) -> None:
    aid = await convene_and_open(bot)
    await bot.say("/present", member="paul")
    await bot.say("/procuration @paul", member="bob")
    store = bot.app.services.store
    assert 2 == store.assembly.voices(aid).weight("console:paul")

    replies = await bot.say("/present", member="bob")

    assert "la procuration donnée à Paul est mise de côté, Bob vote de nouveau" in replies[0]
    voices = store.assembly.voices(aid)
    assert (1, 1) == (voices.weight("console:paul"), voices.weight("console:bob"))


async def test_procuration_retirer(bot: Harness) -> None:
    aid = await convene_and_open(bot)
    await bot.say("/procuration Odile Martin → Paul Durand", member="alice")

    replies = await bot.say("/procuration retirer Odile Martin", member="alice")

    assert ["Procuration retirée : Odile Martin."] == replies
    assert [] == bot.app.services.store.assembly.proxies(aid)


async def test_procuration_without_assembly_keeps_the_motion_proxy(bot: Harness) -> None:
    await bot.say("bonjour", member="paul")

    replies = await bot.say("/procuration @paul", member="bob")

    assert replies[0].startswith("Paul vote désormais pour vous pour toutes les motions.")


# Closing ----------------------------------------------------------------------------------


async def test_ag_clore_refuses_while_a_vote_is_open(bot: Harness) -> None:
    aid = await convene_and_open(bot)
    await bot.say("/motion Budget", member="alice")
    store = bot.app.services.store
    poll = store.polls.latest_open_in_room("console:asso")
    assert poll is not None
    store.owned.db.execute("UPDATE polls SET assembly_id = ? WHERE id = ?", [aid, poll.id])

    refused = await bot.say("/ag clore", member="alice")
    await bot.say(f"/cloturer {poll.id}", member="alice")
    await bot.say("/ag clore", member="alice")

    assert refused[0].startswith(f"Le vote n°{poll.id} est encore ouvert")
    record = store.assembly.get(aid)
    assert record is not None and AssemblyStatus.CLOSED == record.status
    assert record.closed_at is not None


async def test_ag_annuler_cancels_the_convocation_and_its_warnings(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say(CONVENE, member="alice")
    store = bot.app.services.store
    assembly = store.assembly.current(association(bot))
    assert assembly is not None and assembly.event_id is not None

    await bot.say("/ag annuler", member="alice")

    assert store.assembly.current(association(bot)) is None
    assert all(
        w.status is ReminderStatus.CANCELLED for w in store.reminders.of_event(assembly.event_id)
    )


async def test_ag_ouvrir_without_convocation_opens_on_the_spot(bot: Harness) -> None:
    bot.organizer("alice")

    replies = await bot.say("/ag ouvrir", member="alice")

    assert replies[0].startswith("🏛 Assemblée générale ordinaire — séance ouverte")
    assert bot.app.services.store.assembly.open_session(association(bot)) is not None


# Hostile names, English rooms, the date poll's button, the minutes --------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/present Odile\x07Martin",
        "/present " + "y" * 10_000,
        "/present A | B",
        "/procuration Odile\x1bMartin → Paul",
        "/procuration " + "z" * 10_000 + " → Paul",
    ],
)
async def test_present_and_procuration_hostile_names_store_nothing(
    bot: Harness, text: str
) -> None:
    aid = await convene_and_open(bot)

    replies = await bot.say(text, member="alice")

    store = bot.app.services.store
    assert replies and "quelque chose s'est mal passé" not in replies[0]
    assert [] == store.assembly.attendance(aid)
    assert [] == store.assembly.proxies(aid)
    assert 0 == store.assembly.roll_names(association(bot))


async def test_agm_in_an_english_room(bot: Harness) -> None:
    bot.app.set_room_language(Room("console", "asso", title="asso"), "en")
    bot.organizer("alice")

    convened = await bot.say(
        "/agm convene January 12 7pm | Town hall | agenda: Annual report; Accounts",
        member="alice",
    )
    await bot.say("/agm open", member="alice")
    here = await bot.say("/here remote", member="bob")
    quorum = await bot.say("/agm quorum", member="alice")

    assert convened[0].startswith("📣 Convocation\nOrdinary general assembly: Tuesday")
    assert ["Bob is present (remote)."] == here
    assert "Quorum: 1 present or represented out of 2, no quorum required." in quorum[0]


async def test_date_poll_close_offers_to_convene_on_the_chosen_slot(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("/quand AG ? | mar 12/1 19h | jeu 14/1 19h", member="alice")
    poll = bot.app.services.store.polls.latest_open_in_room("console:asso")
    assert poll is not None
    await bot.tap(1, member="bob")  # yes to the 12th
    await bot.say(f"/cloturer {poll.id}", member="alice")
    close = bot.sent[-1].out
    assert [["Convoquer l'assemblée générale à cette date"]] == [
        [button.label for button in row] for row in close.buttons
    ]

    refused = await bot.tap(1, member="bob")
    shown = await bot.tap(1, member="alice")

    assert any("Seuls les organisateurs peuvent faire cela." in line for line in refused)
    assert shown == [
        "Pour convoquer l'assemblée générale le mardi 12 janvier 2027 à 19:00, complétez et "
        "envoyez :\n/ag convoquer 12/1/2027 19h00 | <lieu> | ordre du jour: <points>"
    ]


async def test_date_poll_close_offers_nothing_while_an_assembly_is_convened(
    bot: Harness,
) -> None:
    bot.organizer("alice")
    await bot.say(CONVENE, member="alice")
    await bot.say("/quand Réunion ? | mar 12/1 19h | jeu 14/1 19h", member="alice")
    poll = bot.app.services.store.polls.latest_open_in_room("console:asso")
    assert poll is not None
    await bot.tap(1, member="bob")

    await bot.say(f"/cloturer {poll.id}", member="alice")

    assert () == bot.sent[-1].out.buttons


async def test_procuration_finds_an_accented_name_whatever_its_case(bot: Harness) -> None:
    await convene_and_open(bot)
    await bot.say("bonjour", member="zoé")

    replies = await bot.say("/procuration Odile Martin → ZOÉ", member="alice")

    assert replies[0].startswith("Procuration papier enregistrée : Odile Martin → Zoé.")


async def test_ag_ouvrir_cancels_the_warnings_still_to_come(bot: Harness) -> None:
    await convene_and_open(bot)

    store = bot.app.services.store
    assembly = store.assembly.current(association(bot))
    assert assembly is not None and assembly.event_id is not None
    assert all(
        w.status is ReminderStatus.CANCELLED for w in store.reminders.of_event(assembly.event_id)
    )


async def test_present_by_a_name_on_the_roll_takes_over_its_paper_proxy(bot: Harness) -> None:
    aid = await convene_and_open(bot)
    await bot.say("/present", member="paul")
    await bot.say("/procuration Odile → @paul", member="alice")

    replies = await bot.say("/present", member="odile")

    assert "la procuration donnée à Paul est mise de côté, Odile vote de nouveau" in replies[0]
    voices = bot.app.services.store.assembly.voices(aid)
    assert (1, 1) == (voices.weight("console:paul"), voices.weight("console:odile"))
    roll = bot.app.services.store.assembly.roll(association(bot))
    assert 1 == sum(1 for entry in roll if entry.name == "Odile")


async def test_a_name_tied_after_its_secret_voice_was_cast_cannot_vote_again(
    bot: Harness,
) -> None:
    await convene_and_open(bot)
    await bot.say("/present", member="paul")
    await bot.say("/procuration Odile → @paul", member="alice")
    await bot.say("/election Trésorerie | Martine | Yannick", member="alice")
    poll = bot.app.services.store.polls.latest_open_in_room("console:asso")
    assert poll is not None and poll.secret
    await bot.say(f"/vote {poll.id} 1", member="paul")
    await bot.say(f"/vote {poll.id} 2", member="paul")  # Odile's voice

    await bot.say("/present", member="odile")
    again = await bot.say(f"/vote {poll.id} 1", member="odile")

    assert again[0].startswith("Vous avez déjà donné toutes les voix")
    assert 2 == bot.app.services.store.polls.voter_count(poll.id)
