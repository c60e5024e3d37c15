"""The minutes of a general assembly (/ag pv, and at /ag clore): the chat text, the .odt opened
with odfpy, the Markdown, the attendance sheet (.odt and .csv), in French and English."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.message import Attachment
from bot.odt import text_of
from handlers.polls.assembly.minutes import draft_minutes, md
from storage.assembly import AttendanceMode, roll_key
from tests.harness import Harness

CONVENE = (
    "/ag convoquer demain 19h | Salle des fêtes, 3 rue Haute | ordre du jour: Rapport moral; "
    "Comptes 2026; Élection du bureau"
)
CONVENE_EN = (
    "/agm convene tomorrow 7pm | Town hall | agenda: Annual report; Accounts 2026; "
    "Election of the board"
)
WORDS = {
    "fr": {
        "convene": CONVENE,
        "agm": "/ag",
        "open": "ouvrir",
        "chair": "president",
        "secretary": "secretaire",
        "next": "suivant",
        "close": "clore",
        "here": "/present",
        "remote": "/present à distance",
        "leave": "/depart",
        "proxy": "/procuration",
        "vote": "/voter",
        "closing": "/cloturer",
        "election": "/election Bureau | 2 postes | Martine | Paul | Sophie",
        "for": "pour",
        "against": "contre",
        "abstain": "abstention",
        "blank": "blanc",
    },
    "en": {
        "convene": CONVENE_EN,
        "agm": "/agm",
        "open": "open",
        "chair": "chair",
        "secretary": "secretary",
        "next": "next",
        "close": "close",
        "here": "/here",
        "remote": "/here remote",
        "leave": "/leave",
        "proxy": "/proxy",
        "vote": "/vote",
        "closing": "/close",
        "election": "/election Board | 2 seats | Martine | Paul | Sophie",
        "for": "for",
        "against": "against",
        "abstain": "abstain",
        "blank": "blank",
    },
}


async def run_assembly(bot: Harness, lang: str = "fr") -> list[Attachment]:
    """An AG of 20 members: 5 present (one remote, one leaves), Leo's own proxy to Bob and
    Odile Martin's paper proxy to Erin, two resolutions, a secret election of 2 seats, close.
    Returns the four files the minutes came with."""
    w = WORDS[lang]
    store = bot.app.services.store
    bot.organizer("alice")
    if lang == "en":
        await bot.say(":lang en", member="alice")
    for member in ("alice", "bob", "carol", "dan", "erin", "leo"):
        await bot.say("hello", member=member)
    asso = store.rooms.get("console:asso")
    assert asso is not None
    store.statutes.set(asso.association_id, "members_count", "20", "console:alice", bot.app.now())
    store.statutes.set(
        asso.association_id, "quorum_ordinary", "1/4", "console:alice", bot.app.now()
    )
    await bot.say(w["convene"], member="alice")
    await bot.say(f"{w['proxy']} @bob", member="leo")
    await bot.advance(timedelta(days=1, hours=10))  # Wednesday 2 December, 19:00
    agm = w["agm"]
    await bot.say(f"{agm} {w['open']}", member="alice")
    await bot.say(f"{agm} {w['chair']} @alice", member="alice")
    await bot.say(f"{agm} {w['secretary']} @bob", member="alice")
    for member in ("alice", "bob", "carol", "dan"):
        await bot.say(w["here"], member=member)
    await bot.app.advance(timedelta(minutes=7))
    await bot.say(w["remote"], member="erin")
    await bot.say(f"{w['proxy']} Odile Martin → @erin", member="bob")

    async def resolution(votes: dict[str, str]) -> None:
        await bot.say(f"{agm} {w['next']}", member="alice", room="asso")
        assembly = store.assembly.latest(asso.association_id)
        assert assembly is not None
        [poll] = store.assembly.open_polls(assembly.id)
        for member, answer in votes.items():
            await bot.say(f"{w['vote']} {poll} {w[answer]}", member=member)
        await bot.say(f"{w['closing']} {poll}", member="alice")

    # Weights: alice 1, bob 2 (Leo), carol 1, dan 1, erin 2 (Odile Martin).
    await resolution({"alice": "for", "bob": "for", "carol": "against", "erin": "abstain"})
    await resolution({"alice": "for", "bob": "against", "carol": "against", "dan": "blank"})
    await bot.say(f"{agm} {w['next']}", member="alice")
    await bot.say(w["election"], member="alice")
    for member, choice in (("alice", "1,2"), ("bob", "1"), ("bob", "1,3"), ("carol", "4")):
        await bot.say(f"{w['vote']} 3 {choice}", member=member, room=f"dm-{member}")
    for choice in ("2,3", "1"):
        await bot.say(f"{w['vote']} 3 {choice}", member="erin", room="dm-erin")
    await bot.app.advance(timedelta(minutes=50))
    await bot.say(w["leave"], member="dan", room="asso")
    await bot.say(f"{w['closing']} 3", member="alice", room="asso")
    await bot.app.advance(timedelta(minutes=10))
    start = len(bot.sent)
    await bot.say(f"{agm} {w['close']}", member="alice", room="asso")
    files = [s.out.attachment for s in bot.sent[start:] if s.out.attachment is not None]
    assert 4 == len(files)
    return files


FRENCH_TEXT = [
    "Procès-verbal de l'assemblée générale ordinaire — asso",
    "Date : mercredi 2 décembre 2026.",
    "Lieu : Salle des fêtes, 3 rue Haute ; des membres ont aussi participé à distance, dans "
    "le salon.",
    "Séance ouverte à 19:00.",
    "Séance levée à 20:07.",
    "",
    "Convocation",
    "La convocation a été publiée le mardi 1 décembre 2026 dans 1 salon de l'association, avec "
    "le lieu, l'ordre du jour, la façon de donner une procuration et un fichier d'agenda.",
    "Délai de convocation : 1 jour avant l'assemblée (les statuts en demandent 15).",
    "La liste des membres compte 20 membres.",
    "",
    "Ordre du jour",
    "1. Rapport moral",
    "2. Comptes 2026",
    "3. Élection du bureau",
    "",
    "Bureau de séance",
    "Présidence de séance : Alice.",
    "Secrétariat de séance : Bob.",
    "",
    "Présences et quorum",
    "5 membres présents (4 sur place, 1 à distance).",
    "2 membres représentés par procuration (dont 1 sur papier).",
    "Au total, 7 présents ou représentés sur 20 membres.",
    "1 membre a quitté la séance avant la fin.",
    "Présents : Alice, Bob (représente Leo), Carol, Dan, Erin (représente Odile Martin).",
    "Représentés : Leo par Bob, Odile Martin par Erin (procuration papier).",
    "Quorum : 7 présents ou représentés sur 20 membres ; les statuts exigent un quart des "
    "membres, soit 5 : le quorum est atteint, l'assemblée peut valablement délibérer.",
    "",
    "Délibérations et votes",
    "1. Rapport moral",
    "Résolution n°1 adoptée à la majorité simple : 3 pour, 1 contre, 2 abstentions, 0 blanc.",
    "2. Comptes 2026",
    "Résolution n°2 rejetée (la majorité simple requise) : 1 pour, 3 contre, 0 abstention, "
    "1 blanc.",
    "3. Élection du bureau",
]


async def test_ag_clore_posts_the_minutes_in_french(bot: Harness) -> None:
    files = await run_assembly(bot)
    minutes = next(line.text for line in bot.replies if line.text.startswith("Procès-verbal"))
    lines = minutes.splitlines()
    assert FRENCH_TEXT == lines[: len(FRENCH_TEXT)]
    election = lines[
        len(FRENCH_TEXT) : lines.index("Règles appliquées (statuts de l'association)")
    ]
    assert any("Martine : " in line for line in election)
    assert "• Délai de convocation : 15 jours." in lines
    assert "L'ordre du jour étant épuisé, la séance est levée à 20:07." in lines
    assert [
        "",
        "Présidence de séance : Alice",
        "Signature : ____________________",
        "Secrétariat de séance : Bob",
        "Signature : ____________________",
    ] == lines[-5:]
    assert [
        "pv-ag-2026-12-02.odt",
        "pv-ag-2026-12-02.md",
        "feuille-de-presence-2026-12-02.odt",
        "feuille-de-presence-2026-12-02.csv",
    ] == [f.filename for f in files]


async def test_ag_minutes_odt_opens_with_the_figures_names_quorum_and_signatures(
    bot: Harness,
) -> None:
    files = await run_assembly(bot)
    assert "application/vnd.oasis.opendocument.text" == files[0].mime
    text = text_of(files[0].content)
    lines = text.splitlines()
    assert "Procès-verbal de l'assemblée générale ordinaire — asso" == lines[0]
    for expected in FRENCH_TEXT[1:]:
        if expected and expected not in ("1. Rapport moral", "2. Comptes 2026"):
            assert expected.removeprefix("1. ").removeprefix("2. ").removeprefix("3. ") in text
    assert (
        "Présidence de séance : AliceSignature :Secrétariat de séance : BobSignature :"
        == (lines[-1])
    )


async def test_ag_minutes_markdown_has_sections_and_escapes(bot: Harness) -> None:
    files = await run_assembly(bot)
    markdown = files[1].content.decode()
    assert markdown.startswith("# Procès-verbal de l'assemblée générale ordinaire — asso\n")
    assert "\n## Ordre du jour\n\n1. Rapport moral\n2. Comptes 2026\n" in markdown
    assert "\n**1\\. Rapport moral**\n" in markdown
    assert "**Présidence de séance : Alice**  \nSignature : ______________________" in markdown


async def test_ag_attendance_sheet_odt_and_csv(bot: Harness) -> None:
    files = await run_assembly(bot)
    sheet = text_of(files[2].content).splitlines()
    assert "Feuille de présence" == sheet[0]
    assert sheet[1].startswith("Procès-verbal de l'assemblée générale ordinaire — asso — mercredi")
    assert sheet[2].startswith("NomPrésenceArrivéeDépartProcurations détenuesSignature")
    assert "Erinà distance19:07Odile Martin (procuration papier)" in sheet[2]
    assert "5 présents, 2 représentés, sur 20 membres." == sheet[3]
    rows = list(csv.reader(io.StringIO(files[3].content.decode("utf-8-sig")), delimiter=";"))
    assert [
        [
            "Nom",
            "Présence",
            "Arrivée",
            "Départ",
            "Mandataire",
            "Procuration papier",
            "Procurations détenues",
            "Voix",
        ],
        ["Alice", "sur place", "2026-12-02 19:00", "", "", "", "", "1"],
        ["Bob", "sur place", "2026-12-02 19:00", "", "", "", "Leo", "2"],
        ["Carol", "sur place", "2026-12-02 19:00", "", "", "", "", "1"],
        ["Dan", "sur place", "2026-12-02 19:00", "2026-12-02 19:57", "", "", "", "1"],
        ["Erin", "à distance", "2026-12-02 19:07", "", "", "", "Odile Martin", "2"],
        ["Leo", "par procuration", "", "", "Bob", "non", "", "0"],
        ["Odile Martin", "par procuration", "", "", "Erin", "oui", "", "0"],
    ] == rows


async def test_agm_minutes_in_english(bot: Harness) -> None:
    files = await run_assembly(bot, "en")
    minutes = next(line.text for line in bot.replies if line.text.startswith("Minutes of"))
    lines = minutes.splitlines()
    assert "Minutes of the ordinary general assembly of asso" == lines[0]
    for expected in (
        "Date: Wednesday 2 December 2026.",
        "5 members present (4 in person, 1 remote).",
        "2 members represented by proxy (1 on paper).",
        "Quorum: 7 present or represented out of 20 members; the statutes require a quarter of "
        "the members, that is 5: the quorum is reached and the assembly can validly deliberate.",
        "Chair: Alice.",
    ):
        assert expected in lines
    assert "minutes-agm-2026-12-02.odt" == files[0].filename
    assert (
        "Minutes of the ordinary general assembly of asso"
        == text_of(files[0].content).splitlines()[0]
    )
    header = files[3].content.decode("utf-8-sig").splitlines()[0]
    assert "Name,Attendance,Arrival,Departure,Proxy holder,Paper proxy,Proxies held,Voices" == (
        header
    )


async def test_ag_pv_again_later_and_for_a_given_assembly(bot: Harness) -> None:
    await run_assembly(bot)
    replies = await bot.say("/ag pv", member="alice")
    assert replies[0].startswith("Procès-verbal de l'assemblée générale ordinaire — asso")
    assert 5 == len(replies)
    replies = await bot.say("/ag pv 1", member="alice")
    assert replies[0].startswith("Procès-verbal")


async def test_ag_pv_by_a_member_is_refused(bot: Harness) -> None:
    await run_assembly(bot)
    bot.organizer("carol", on=False)
    replies = await bot.say("/ag pv", member="carol")
    assert [
        "Seuls les organisateurs, la présidence et le secrétariat de séance peuvent rédiger le "
        "procès-verbal d'une assemblée générale."
    ] == replies
    assert ["Secrétariat de séance : Bob."] == [
        line
        for line in (await bot.say("/ag pv", member="bob"))[0].splitlines()
        if line.startswith("Secrétariat de séance : Bob.")
    ]


async def test_ag_pv_of_another_association_is_not_shown(bot: Harness) -> None:
    await run_assembly(bot)
    bot.organizer("zoe", "autre")
    replies = await bot.say("/ag pv 1", member="zoe", room="autre")
    assert ["Pas d'assemblée générale n°1 ici."] == replies
    replies = await bot.say("/ag pv", member="zoe", room="autre")
    assert ["Aucune assemblée générale ici pour l'instant."] == replies


# Built through storage: big bodies, hostile names, no quorum ------------------------------


async def _convened(bot: Harness) -> int:
    bot.organizer("alice")
    await bot.say(CONVENE, member="alice")
    await bot.say("/ag ouvrir", member="alice")
    asso = bot.app.store.rooms.get("console:asso")
    assert asso is not None
    assembly = bot.app.store.assembly.latest(asso.association_id)
    assert assembly is not None
    return assembly.id


def _minutes_of(bot: Harness, assembly_id: int, lang: str = "fr") -> tuple[str, bytes, bytes]:
    voice = bot.app.services.voice("console:asso")
    if lang == "en":
        voice = type(voice)(voice.translator, "en", voice.timezone, voice.commands)
    minutes = draft_minutes(bot.app.services, assembly_id, voice)
    return minutes.text, minutes.odt, minutes.attendance_csv


async def test_minutes_of_a_big_assembly_name_no_one_in_the_text(bot: Harness) -> None:
    assembly_id = await _convened(bot)
    store = bot.app.store.assembly
    now = bot.app.now()
    for n in range(60):
        store.check_in(
            assembly_id, roll_key(1000 + n), f"Membre {n}", AttendanceMode.RECORDED, "x", now
        )
    text, document, sheet = _minutes_of(bot, assembly_id)
    assert "Les noms figurent sur la feuille de présence jointe en annexe." in text
    assert "Membre 7" not in text
    assert "60 membres présents (60 notés par le secrétariat)." in text
    assert 61 == len(sheet.decode("utf-8-sig").splitlines())
    assert "Membre 7" not in text_of(document)


@pytest.mark.parametrize(
    ("typed", "in_csv", "in_text"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', '=HYPERLINK("http://x")'),
        ("<b>Odile</b> | Martin", "<b>Odile</b> | Martin", "<b>Odile</b> | Martin"),
        ("Odile\x1b[31m\x00 Martin\u202e", "Odile[31m Martin", "Odile[31m Martin"),
        ("-1+2", "'-1+2", "-1+2"),
    ],
)
async def test_minutes_hostile_names_stay_text(
    bot: Harness, typed: str, in_csv: str, in_text: str
) -> None:
    assembly_id = await _convened(bot)
    bot.app.store.assembly.check_in(
        assembly_id, roll_key(999), typed, AttendanceMode.RECORDED, "x", bot.app.now()
    )
    text, document, sheet = _minutes_of(bot, assembly_id)
    assert f"Présents : {in_text}." in text.splitlines()
    assert in_text in text_of(document)
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig")), delimiter=";"))
    assert in_csv == rows[1][0]


async def test_minutes_10_kb_name_is_clipped(bot: Harness) -> None:
    assembly_id = await _convened(bot)
    bot.app.store.assembly.check_in(
        assembly_id, roll_key(999), "x" * 10_000, AttendanceMode.RECORDED, "x", bot.app.now()
    )
    text, document, _ = _minutes_of(bot, assembly_id)
    [present] = [line for line in text.splitlines() if line.startswith("Présents")]
    assert len(present) < 200
    assert "x" * 121 not in text_of(document)


async def test_minutes_quorum_not_reached_and_nothing_voted(bot: Harness) -> None:
    assembly_id = await _convened(bot)
    asso = bot.app.store.rooms.get("console:asso")
    assert asso is not None
    statutes = bot.app.store.statutes
    statutes.set(asso.association_id, "members_count", "40", "x", bot.app.now())
    statutes.set(asso.association_id, "quorum_ordinary", "1/2", "x", bot.app.now())
    await bot.say("/present", member="alice")
    text, _, _ = _minutes_of(bot, assembly_id)
    assert (
        "Quorum : 1 présent ou représenté sur 40 membres ; les statuts exigent la moitié des "
        "membres, soit 20 : le quorum n'est pas atteint."
    ) in text.splitlines()
    assert "Non soumis au vote." in text.splitlines()
    assert "La séance n'est pas close : ceci est un projet." in text.splitlines()
    text, _, _ = _minutes_of(bot, assembly_id, "en")
    assert "The session is not closed: this is a draft." in text.splitlines()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("# titre", "\\# titre"),
        ("- point", "\\- point"),
        ("3. point", "3\\. point"),
        ("a|b <b>x</b> *y* [l](u)", "a\\|b \\<b\\>x\\</b\\> \\*y\\* \\[l\\](u)"),
        ("Date : 2 déc. 2026.", "Date : 2 déc. 2026."),
    ],
)
def test_minutes_markdown_escapes_member_text(typed: str, expected: str) -> None:
    assert expected == md(typed)
