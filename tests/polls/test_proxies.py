"""Proxies (/procuration): a member's vote on motions given to another, its limits, taking it back,
and in secret motions."""

from __future__ import annotations

from tests.harness import Harness


async def test_proxy_counts_for_both_and_reaches_quorum(bot: Harness) -> None:
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    given = await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget 2026 | quorum 75% | absolue", member="alice")
    await bot.say("/vote contre", member="alice")
    await bot.say("/vote pour", member="bob")

    closed = await bot.say("/cloturer", member="alice")

    assert given[0].startswith("Bob vote désormais pour vous pour toutes les motions.")
    assert (
        "Adoptée. Pour : 2 · Contre : 1 · Abstentions : 0 · Blancs : 0 · Suffrages exprimés : 3"
        " · Présents ou représentés : 3 sur 4 membres." in closed[0]
    )


async def test_giver_who_votes_takes_her_vote_back(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget 2026", member="alice")
    await bot.say("/vote pour", member="bob")
    await bot.say("/vote contre", member="carol")

    closed = await bot.say("/cloturer", member="alice")

    assert "Rejetée. Pour : 1 · Contre : 1 ·" in closed[0]


async def test_proxy_cap_and_revocation(bot: Harness) -> None:
    for member in ("bob", "carol", "dan", "erin"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/procuration @bob", member="dan")

    capped = await bot.say("/procuration @bob", member="erin")
    chained = await bot.say("/procuration @carol", member="erin")
    revoked = await bot.say("/procuration retirer", member="dan")
    listing = await bot.say("/procuration", member="bob")

    assert ["Bob détient déjà le nombre maximal de procurations permis (2)."] == capped
    assert [
        "Carol a donné sa propre voix à quelqu'un d'autre : les procurations ne se transmettent "
        "pas."
    ] == chained
    assert ["Votre procuration est reprise : vous votez de nouveau vous-même."] == revoked
    assert ["Carol vous a confié sa voix pour toutes les motions."] == listing


async def test_proxy_to_oneself_or_a_stranger_is_refused(bot: Harness) -> None:
    me = await bot.say("/procuration @alice", member="alice")
    stranger = await bot.say("/procuration @zoe", member="alice")

    assert ["Vous ne pouvez pas vous donner votre propre voix."] == me
    assert ["Personne n'a encore écrit sous le nom « @zoe » dans cette association."] == stranger


async def test_secret_motion_counts_the_proxy_and_blocks_the_giver(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote pour", member="bob")

    blocked = await bot.say("/vote contre", member="carol")
    closed = await bot.say("/cloturer", member="alice")

    assert [
        "Votre mandataire a déjà voté pour vous à ce scrutin secret : un vote secret ne peut pas "
        "être repris, votre propre vote ne peut donc pas le remplacer."
    ] == blocked
    assert (
        "Adoptée. Pour : 2 · Contre : 0 · Abstentions : 0 · Blancs : 0 · Suffrages exprimés : 2"
        " · Présents ou représentés : 2 sur 3 membres." in closed[0]
    )


async def test_proxy_in_a_private_chat_is_refused_clearly(bot: Harness) -> None:
    await bot.say("présent", member="bob")

    replies = await bot.say("/procuration @bob", member="alice", room="dm-alice")

    assert [
        "Donnez votre procuration dans un salon de l'association, où le bot connaît ses membres."
    ] == replies


async def test_proxy_to_oneself_in_english(bot: Harness) -> None:
    await bot.say("/language en")

    replies = await bot.say("/proxy @alice")

    assert ["You cannot give your vote to yourself."] == replies


async def test_proxy_for_a_motion_already_voted_is_refused(bot: Harness) -> None:
    await bot.say("présent", member="bob")
    await bot.say("/motion Budget", member="alice")
    await bot.say("/voter pour", member="alice")

    replies = await bot.say("/procuration @bob 1", member="alice")

    assert [
        "Vous avez déjà voté à la motion n°1 : votre propre vote compte, une procuration n'y "
        "changerait rien."
    ] == replies
    assert ["Vous n'avez donné ni ne détenez aucune procuration."] == await bot.say(
        "/procuration", member="alice"
    )


async def test_secret_motion_giver_who_votes_first_keeps_her_own_vote(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote contre", member="carol")
    await bot.say("/vote pour", member="bob")

    closed = await bot.say("/cloturer", member="alice")

    assert "Rejetée. Pour : 1 · Contre : 1 ·" in closed[0]


async def test_secret_motion_giver_after_her_holder_is_told_he_voted_for_her(
    bot: Harness,
) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote pour", member="bob")

    blocked = await bot.say("/vote 1 contre", member="carol", room="dm-carol")
    again = await bot.say("/vote 1 contre", member="bob", room="dm-bob")

    assert [
        "Votre mandataire a déjà voté pour vous à ce scrutin secret : un vote secret ne peut pas "
        "être repris, votre propre vote ne peut donc pas le remplacer."
    ] == blocked
    assert [
        "Vous avez déjà voté à ce scrutin secret ; un vote secret ne peut pas être modifié."
    ] == again


async def test_proxy_reply_says_when_the_givers_own_vote_counts(bot: Harness) -> None:
    await bot.say("/language en")
    await bot.say("présent", member="bob")

    replies = await bot.say("/proxy @bob", member="carol")

    assert [
        "Bob now votes for you on every motion. If you vote yourself, your own vote counts — in "
        "a secret ballot only if you vote before Bob does, as a secret vote cannot be taken "
        "back. Take your proxy back with /proxy remove."
    ] == replies


async def test_proxy_of_a_closed_motion_stays_and_is_no_longer_listed(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/motion Budget", member="alice")
    await bot.say("/procuration @bob 1", member="carol")
    await bot.say("/vote pour", member="bob")
    await bot.say("/cloturer", member="alice")

    listing = await bot.say("/procuration", member="carol")
    revoked = await bot.say("/procuration retirer", member="carol")
    late = await bot.say("/procuration @bob 1", member="carol")
    decisions = await bot.say("/decisions", member="alice")

    assert ["Vous n'avez donné ni ne détenez aucune procuration."] == listing
    assert ["Vous n'avez donné votre voix à personne."] == revoked
    assert ["Les procurations valent pour les motions ouvertes : le n°1 n'en est pas une."] == late
    assert "Adoptée. Pour : 2 · Contre : 0 ·" in decisions[0]
