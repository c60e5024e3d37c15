"""Hostile review (2026-12-03) of /election: thousands of candidates refused without quadratic
work, a hostile seat count refused instead of becoming a candidate, the blank vote chosen by
its word, and one vote at a time in an assembly."""

from __future__ import annotations

from datetime import timedelta

import pytest

import handlers.polls.election as election_module
import handlers.polls.requests as requests_module
from tests.harness import Harness

CONVENE = "/ag convoquer 20 décembre 19h | Salle | ordre du jour: Budget; Élection du bureau"


def count_calls(monkeypatch: pytest.MonkeyPatch, module: object) -> list[int]:
    """Count calls to ``module.comparable_option`` (the per-candidate comparison)."""
    calls = [0]
    real = requests_module.comparable_option

    def counting(label: str) -> str:
        calls[0] += 1
        return real(label)

    monkeypatch.setattr(module, "comparable_option", counting)
    return calls


@pytest.mark.parametrize("prefix", ["Bureau | 2 postes", "2e tour"])
async def test_election_with_thousands_of_candidates_is_refused_at_once(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    calls = count_calls(monkeypatch, election_module)
    names = " | ".join(f"C{i}" for i in range(2000))
    reply = "\n".join(await bot.say(f"/election {prefix} | {names}", member="alice"))
    assert "Une élection compte au plus 19 candidats." in reply
    assert calls[0] < 100  # was about 2,000,000 comparisons for 2,000 names


async def test_election_duplicate_candidate_still_refused(bot: Harness) -> None:
    reply = await bot.say("/election Bureau | Paul | Sophie | paul", member="alice")
    assert "paul" in reply[0]
    assert "Élection n°" not in "\n".join(reply)


async def test_poll_with_thousands_of_options_is_refused_without_quadratic_work(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_calls(monkeypatch, requests_module)
    names = " | ".join(f"C{i}" for i in range(2000))
    for command in ("/sondage Quoi ?", "/quand Quand ?"):
        reply = "\n".join(await bot.say(f"{command} | {names}", member="alice"))
        assert "au plus 20 options" in reply
    assert calls[0] < 100


@pytest.mark.parametrize(
    "seats", ["99999999999 postes", "-1 postes", "postes : 51", "1000000000000000000000 seats"]
)
async def test_election_out_of_range_seat_count_is_refused(bot: Harness, seats: str) -> None:
    reply = "\n".join(await bot.say(f"/election Bureau | {seats} | A | B", member="alice"))
    assert "Le nombre de postes va de 1 à 50." in reply
    assert "Élection n°" not in reply


async def test_election_seat_count_in_range_still_read(bot: Harness) -> None:
    reply = await bot.say("/election Bureau | 2 postes | A | B | C", member="alice")
    assert reply[0].startswith("📊 Élection n°1 : Bureau (2 postes, tour 1)")


@pytest.mark.parametrize(
    ("vote", "room"),
    [
        ("/vote blank", "asso"),
        ("/voter blanc", "asso"),
        ("/vote 1 blank", "asso"),
        ("/vote 1 vote blanc", "dm-bob"),
        ("/voter 1 Vote blanc", "dm-bob"),
    ],
)
async def test_election_blank_vote_by_its_word(bot: Harness, vote: str, room: str) -> None:
    await bot.say("bonjour", member="bob")
    await bot.say("/election Bureau | Paul | Sophie | public", member="alice")
    reply = await bot.say(vote, member="bob", room=room)
    assert ["Vote enregistré pour le n°1 : Vote blanc."] == reply


async def test_secret_election_blank_vote_by_its_word_in_private(bot: Harness) -> None:
    await bot.say("bonjour", member="bob")
    await bot.say("/election Bureau | Paul | Sophie", member="alice")
    assert ["Votre bulletin secret pour le n°1 est compté."] == await bot.say(
        "/vote 1 blanc", member="bob", room="dm-bob"
    )
    closed = "\n".join(await bot.say("/cloturer 1", member="alice"))
    assert "1 bulletin" in closed
    assert "blancs : 1" in closed


async def test_election_refused_while_a_vote_of_the_assembly_is_open(bot: Harness) -> None:
    await bot.say("bonjour", member="bob")
    await bot.say(CONVENE, member="alice")
    await bot.advance(timedelta(days=19, hours=10))  # Sunday 20 December, 19:00 in Paris
    await bot.say("/ag ouvrir", member="alice")
    opened = "\n".join(await bot.say("/ag suivant", member="alice"))
    assert "Résolution n°1 — Budget" in opened
    reply = "\n".join(await bot.say("/election Bureau | Paul | Sophie", member="alice"))
    assert "Le vote n°1 est encore ouvert : clôturez-le d'abord avec /cloturer 1." in reply
    assert "Élection n°" not in reply
    await bot.say("/cloturer 1", member="alice")
    reply = "\n".join(await bot.say("/election Bureau | Paul | Sophie", member="alice"))
    assert "Élection n°2" in reply
    again = "\n".join(await bot.say("/election Trésorier | Paul | Zoé", member="alice"))
    assert "Le vote n°2 est encore ouvert" in again


async def test_election_of_nineteen_candidates_opens_and_twenty_is_refused(bot: Harness) -> None:
    nineteen = " | ".join(f"C{i}" for i in range(19))
    opened = await bot.say(f"/election Bureau | {nineteen}", member="alice")
    assert opened[0].startswith("📊 Élection n°1 : Bureau (1 poste, tour 1)")
    assert "20. Vote blanc" in opened[0]
    refused = await bot.say(f"/election Bureau | {nineteen} | C19", member="alice")
    assert refused[0].startswith("Une élection compte au plus 19 candidats.")


async def test_election_candidate_called_blanc_is_chosen_by_name(bot: Harness) -> None:
    await bot.say("bonjour", member="bob")
    await bot.say("/election Trésorier | Paul | Blanc | public", member="alice")
    assert ["Vote enregistré pour le n°1 : Blanc."] == await bot.say("/vote blanc", member="bob")
    assert ["Vote enregistré pour le n°1 : Vote blanc."] == await bot.say(
        "/vote vote blanc", member="bob"
    )
