"""/statuts (/bylaws): reading shares and majorities in French and English, the rules in
sentences, organizers setting them, every bad value answered with an example."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.context import RoomVoice
from bot.i18n import Translator
from handlers import ROUTERS
from handlers.polls.statutes import (
    BadValue,
    describe_statutes,
    motion_rules,
    parse_majority,
    parse_quorum,
    parse_share,
    quorum_needed_for,
)
from handlers.polls.tally import AbstentionRule, BlankRule, MajorityBase, MotionRules, fraction
from storage.statutes import Statutes
from tests.harness import Harness
from tests.polls.helpers import link_bureau

COMMANDS = tuple(command for router in ROUTERS for command in router.commands)
TRANSLATOR = Translator.load()


def voice(language: str = "fr") -> RoomVoice:
    return RoomVoice(TRANSLATOR, language, "Europe/Paris", COMMANDS)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ((1, 4), "un quart"),
        ((1, 4), "1/4"),
        ((1, 4), "25 %"),
        ((1, 4), "25%"),
        ((1, 4), "a quarter"),
        ((1, 4), "le quart"),
        ((1, 2), "la moitié"),
        ((1, 2), "half"),
        ((1, 2), "50 %"),
        ((2, 3), "deux tiers"),
        ((2, 3), "2/3"),
        ((2, 3), "two thirds"),
        ((1, 3), "un tiers"),
        ((3, 4), "trois quarts"),
        ((1, 8), "12,5 %"),
        ((1, 8), "12.5%"),
        ((0, 1), "0"),
        ((0, 1), "aucun"),
        ((0, 1), "none"),
        ((0, 1), "pas de quorum"),
        ((1, 1), "100 %"),
        ((3, 5), "60 pour cent"),
        ((1, 4), "d'un quart"),
    ],
)
def test_parse_share_french_and_english(expected: tuple[int, int], text: str) -> None:
    assert expected == parse_share(text)


@pytest.mark.parametrize(
    "text",
    ["", "beaucoup", "5/4", "150 %", "1/0", "9" * 40 + "/3", "1/2000", "\u202e1/4", "<b>1/4</b>"],
)
def test_parse_share_refuses_nonsense(text: str) -> None:
    assert parse_share(text) is None


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ("simple", "simple"),
        ("simple", "majorité simple"),
        ("simple", "relative"),
        ("absolute", "absolue"),
        ("absolute", "majorité absolue"),
        ("absolute", "absolute majority"),
        ("two_thirds", "deux tiers"),
        ("two_thirds", "2/3"),
        ("two_thirds", "majorité des deux tiers"),
        ("two_thirds", "two thirds"),
        ("3/4", "trois quarts"),
        ("3/4", "3/4"),
        ("3/4", "75 %"),
        ("3/5", "60 %"),
        ("1/2", "la moitié"),
        ("unanimity", "unanimité"),
        ("unanimity", "unanimity"),
        ("unanimity", "100 %"),
    ],
)
def test_parse_majority_french_and_english(expected: str, text: str) -> None:
    assert expected == parse_majority(text)


@pytest.mark.parametrize("text", ["0", "aucune", "beaucoup", "7/5", ""])
def test_parse_majority_refuses_nonsense(text: str) -> None:
    with pytest.raises(BadValue):
        parse_majority(text)


@pytest.mark.parametrize(
    ("expected", "text"), [("1/4", "un quart"), ("1/4", "25 %"), ("0", "aucun"), ("1/2", "half")]
)
def test_parse_quorum_as_stored(expected: str, text: str) -> None:
    assert expected == parse_quorum(text)


@pytest.mark.parametrize(
    ("expected", "quorum", "extraordinary", "roll"),
    [
        (0, "0", False, 40),
        (10, "1/4", False, 40),
        (11, "1/4", False, 41),  # rounded up
        (20, "1/2", False, 40),
        (14, "1/3", False, 40),
        (27, "2/3", False, 40),
        (10, "25%", False, 40),
        (0, "1/4", True, 40),  # the extraordinary quorum is set apart
        (0, "1/4", False, 0),
        (500, "1/4", False, 2000),
    ],
)
def test_quorum_needed_for(expected: int, quorum: str, extraordinary: bool, roll: int) -> None:
    assert expected == quorum_needed_for(Statutes(quorum_ordinary=quorum), extraordinary, roll)


def test_quorum_needed_for_extraordinary() -> None:
    rules = Statutes(quorum_ordinary="1/4", quorum_extraordinary="1/2")
    assert 20 == quorum_needed_for(rules, True, 40)


def test_motion_rules_from_statutes() -> None:
    rules = Statutes(
        quorum_ordinary="1/4",
        quorum_extraordinary="1/2",
        majority_ordinary="absolute",
        majority_extraordinary="3/4",
        majority_of="present",
        blank="counted",
        abstention="cast",
        casting_vote=True,
    )
    assert MotionRules(
        majority="absolute",
        majority_of=MajorityBase.PRESENT,
        abstention=AbstentionRule.CAST,
        blank=BlankRule.COUNTED,
        quorum="1/4",
        casting_vote=True,
    ) == motion_rules(rules, "ordinary")
    extraordinary = motion_rules(rules, "extraordinary")
    assert ("3/4", "1/2") == (extraordinary.majority, extraordinary.quorum)
    assert "absolute" == motion_rules(Statutes(), "election").majority


def test_describe_statutes_defaults_french() -> None:
    assert [
        "Assemblée ordinaire : pas de quorum.",
        "Assemblée extraordinaire : pas de quorum.",
        "Décisions ordinaires : la majorité simple.",
        "Décisions extraordinaires : la majorité des deux tiers des suffrages exprimés.",
        "Élections : la majorité absolue des suffrages exprimés au premier tour, majorité "
        "relative au second.",
        "Les votes blancs et les abstentions ne sont pas des suffrages exprimés.",
        "Pas de voix prépondérante : en cas d'égalité, la proposition est rejetée.",
        "Procurations autorisées : au plus 2 par membre.",
        "Les élections de personnes se font à bulletin secret.",
        "Délai de convocation : 15 jours.",
    ] == describe_statutes(voice("fr"), Statutes())


def test_describe_statutes_set_english() -> None:
    lines = describe_statutes(
        voice("en"),
        Statutes(
            quorum_ordinary="1/4",
            majority_ordinary="3/5",
            proxies=False,
            members_count=40,
            notice_days=1,
        ),
    )
    assert (
        "Ordinary assembly: quorum of a quarter of the members (members present or " in (lines[0])
    )
    assert "Ordinary decisions: a majority of 3/5 of the votes cast." == lines[2]
    assert "Proxies are not allowed." in lines
    assert "Notice period: 1 day." in lines
    assert "Members: 40 (a count set by an organizer)." in lines


# The command ------------------------------------------------------------------------------


async def test_bylaws_shows_the_rules_to_everyone(bot: Harness) -> None:
    replies = await bot.say("/statuts", member="bob")

    assert replies[0].startswith("Les règles de l'association :\n• Assemblée ordinaire")
    assert "la loi de 1901 n'en impose aucune" in replies[0]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/statuts quorum 1/4", "Assemblée ordinaire : quorum fixé à un quart des membres"),
        ("/statuts quorum un quart", "Assemblée ordinaire : quorum fixé à un quart des membres"),
        ("/statuts quorum 25 %", "Assemblée ordinaire : quorum fixé à un quart des membres"),
        (
            "/statuts quorum extraordinaire la moitié",
            "Assemblée extraordinaire : quorum fixé à la moitié des membres",
        ),
        (
            "/statuts majorité extraordinaire 2/3",
            "Décisions extraordinaires : la majorité des deux tiers des suffrages exprimés.",
        ),
        (
            "/statuts majorite 3/4",
            "Décisions ordinaires : la majorité des trois quarts des suffrages exprimés.",
        ),
        ("/statuts majorite unanimite", "Décisions ordinaires : l'unanimité des suffrages"),
        (
            "/statuts majorite sur membres",
            "Décisions extraordinaires : la majorité des deux tiers de l'ensemble des membres.",
        ),
        ("/statuts procurations 3", "Procurations autorisées : au plus 3 par membre."),
        ("/statuts procurations non", "Les procurations ne sont pas autorisées."),
        ("/statuts préavis 21", "Délai de convocation : 21 jours."),
        ("/statuts voix prépondérante oui", "la voix du président ou de la présidente"),
        ("/statuts scrutin secret non", "Les élections de personnes se font à main levée"),
        ("/statuts blancs comptés", "Les votes blancs comptent dans les suffrages exprimés ;"),
        ("/statuts membres 40", "Membres : 40 (nombre fixé par un organisateur)."),
    ],
)
async def test_bylaws_organizer_sets_a_rule(bot: Harness, command: str, expected: str) -> None:
    replies = await bot.say(command, member="alice")

    assert replies[0].startswith("Règle enregistrée.")
    assert expected in replies[0]
    assert expected in (await bot.say("/statuts", member="bob"))[0]


async def test_bylaws_english_words(bot: Harness) -> None:
    await bot.say("/bylaws quorum extraordinary half", member="alice")
    await bot.say("/bylaws majority election two thirds", member="alice")
    await bot.say("/bylaws casting vote yes", member="alice")

    room = bot.app.services.store.rooms.get("console:asso")
    assert room is not None
    rules = bot.app.services.store.statutes.get(room.association_id)
    assert ("1/2", "two_thirds", True) == (
        rules.quorum_extraordinary,
        rules.majority_election,
        rules.casting_vote,
    )


async def test_bylaws_member_cannot_set(bot: Harness) -> None:
    replies = await bot.say("/statuts quorum 1/4", member="bob")

    assert ["Seul un organisateur peut modifier les règles de l'association."] == replies


@pytest.mark.parametrize(
    ("command", "example"),
    [
        ("/statuts quorum beaucoup", "/statuts quorum 1/4"),
        ("/statuts quorum 5/4", "/statuts quorum 1/4"),
        ("/statuts quorum 150 %", "/statuts quorum 1/4"),
        ("/statuts majorite 0", "/statuts majorite absolue"),
        ("/statuts majorite " + "9" * 10_000, "/statuts majorite absolue"),
        ("/statuts procurations 99999999999", "/statuts procurations 3"),
        ("/statuts préavis -3", "/statuts preavis 15"),
        ("/statuts préavis 400", "/statuts preavis 15"),
        ("/statuts voix prépondérante peut-être", "/statuts voix preponderante oui"),
        ("/statuts membres 0", "/statuts membres 40"),
        ("/statuts quorum", "/statuts quorum 1/4"),
        ("/statuts quorum <b>1/4</b>", "/statuts quorum 1/4"),
        ("/statuts quorum 1/4\u202e", "/statuts quorum 1/4"),
    ],
)
async def test_bylaws_bad_value_answered_with_example(
    bot: Harness, command: str, example: str
) -> None:
    replies = await bot.say(command, member="alice")

    assert example in replies[0]
    assert "Règle enregistrée" not in replies[0]
    assert len(replies[0]) < 1000


async def test_bylaws_unknown_rule(bot: Harness) -> None:
    replies = await bot.say("/statuts couleur | bleu", member="alice")

    assert replies[0].startswith("Règle inconnue « couleur | bleu » : par exemple /statuts")


async def test_bylaws_shared_by_linked_rooms(bot: Harness) -> None:
    await link_bureau(bot)
    await bot.say("/statuts préavis 30", member="alice", room="asso")

    replies = await bot.say("/statuts", member="bob", room="bureau")
    assert "Délai de convocation : 30 jours." in replies[0]


# Properties: a value or a clear refusal, never a crash --------------------------------------


_TYPED = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"[0-9]{1,30}\s?/\s?[0-9]{1,30}", fullmatch=True),
    st.from_regex(r"[0-9]{1,5}([.,][0-9]{1,5})?\s?%", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(_TYPED)
def test_parse_share_property(text: str) -> None:
    share = parse_share(text)
    if share is not None:
        top, bottom = share
        assert 0 <= top <= bottom <= 1000 and bottom >= 1


@settings(max_examples=300, deadline=None)
@given(_TYPED)
def test_parse_majority_property(text: str) -> None:
    try:
        majority = parse_majority(text)
    except BadValue:
        return
    assert majority in ("simple", "absolute", "two_thirds", "unanimity") or fraction(majority)


async def test_casting_vote_breaks_a_tie_of_a_public_motion(bot: Harness) -> None:
    await bot.say("/statuts voix preponderante oui", member="alice")
    await bot.say("bonjour", member="bob")
    await bot.say("/motion Budget 2027", member="alice")
    await bot.say("/vote pour", member="alice")  # the motion's author chairs the vote
    await bot.say("/vote contre", member="bob")
    closed = await bot.say("/cloturer", member="alice")
    assert (
        "La motion est adoptée à la majorité simple : 1 pour, 1 contre, 0 abstention, 0 blanc. "
        "L'égalité a été départagée par la voix prépondérante de la présidence de séance."
    ) in closed[0]


async def test_casting_vote_never_in_a_secret_ballot(bot: Harness) -> None:
    await bot.say("/statuts voix preponderante oui", member="alice")
    await bot.say("bonjour", member="bob")
    await bot.say("/motion Budget 2027 | secret", member="alice")
    await bot.say("/vote 1 pour", member="alice", room="dm-alice")
    await bot.say("/vote 1 contre", member="bob", room="dm-bob")
    closed = await bot.say("/cloturer 1", member="alice")
    assert "La motion est rejetée (la majorité simple requise) : 1 pour, 1 contre" in closed[0]


async def test_motion_defaults_to_the_statutes_unless_it_says_otherwise(bot: Harness) -> None:
    await bot.say("/statuts majorite 3/4", member="alice")
    created = await bot.say("/motion Budget", member="alice")
    explicit = await bot.say("/motion Comptes | absolue", member="alice")
    extraordinary = await bot.say("/motion Statuts | extraordinaire", member="alice")
    assert "la majorité des trois quarts des suffrages exprimés" in created[0]
    assert "majorité absolue des suffrages exprimés" in explicit[0]
    assert "majorité des deux tiers des suffrages exprimés" in extraordinary[0]


async def test_motion_quorum_and_majority_words(bot: Harness) -> None:
    created = await bot.say("/motion Budget | quorum un quart | unanimité", member="alice")
    assert "quorum : un quart des membres" in created[0]
    assert "l'unanimité des suffrages exprimés" in created[0]


async def test_bylaws_in_a_private_chat_refused(bot: Harness) -> None:
    replies = await bot.say("/statuts quorum 1/4", member="alice", room="dm-alice")
    assert [
        "Les règles appartiennent à une association : demandez-les dans l'un de ses salons."
    ] == (replies)
