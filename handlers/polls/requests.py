"""Reading a /poll, /when or /motion request: ``question | option | option | modifiers``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.context import Context
from bot.errors import UsageError
from bot.i18n import format_number
from bot.text import clip, comparable, fold, read_number
from bot.timeparse import parse_moment
from handlers.polls.tally import AbstentionRule, BlankRule, Majority, MajorityBase
from storage.polls import PollKind, Privacy

MAX_OPTIONS = 20
MAX_QUESTION = 300
MAX_LABEL = 100
MAX_MEMBERS = 100_000  # the electorate a motion may state ("N members")
MOTION_KEYS = ("majority", "majority_of", "abstention", "blank", "decision")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_DEADLINE = re.compile(
    r"^(?:jusqu'\s?(?:a|au|à)|until|till|avant|before|deadline|cloture|closes?)\s+\S", re.I
)
_AT_MOST = re.compile(
    r"^(?:max(?:imum)?|au plus|at most|up to)\s*([0-9]+)"
    r"(?:\s*(?:choix|choices|options|reponses))?$"
    r"|^([0-9]+)\s*(?:max|choix max|choices max|choix au plus)$"
)
_QUORUM = re.compile(r"^quorum\s*:?\s*([0-9]+)\s*%?$")
_MEMBERS = re.compile(
    r"^(?:([0-9]+)\s*(?:membres|members|inscrits|electeurs|voters)"
    r"|(?:membres|members|inscrits|electorate)\s*:?\s*([0-9]+))$"
)
_MODIFIER_WORDS = (
    ("max", "0", "multi|multiple|plusieurs|choix multiple|multiple choice|multiple choices"),
    ("privacy", Privacy.ANONYMOUS, "anonyme|anonymous|anon"),
    ("privacy", Privacy.SECRET, "secret|vote secret|scrutin secret|bulletin secret|secret ballot"),
    (
        "hide",
        "1",
        "cache|caches|resultats caches|masque|resultats masques|hidden|hide results"
        "|hidden results|results hidden",
    ),
    ("everywhere", "1", "partout|everywhere|tous les salons|all rooms"),
    ("majority", Majority.SIMPLE, "majorite simple|majorite relative|simple majority|simple"),
    ("majority", Majority.ABSOLUTE, "majorite absolue|absolue|absolute majority|absolute"),
    (
        "majority",
        Majority.TWO_THIRDS,
        "deux tiers|2/3|majorite des deux tiers|majorite des 2/3|two thirds|two-thirds"
        "|two thirds majority|two-thirds majority",
    ),
    ("majority_of", MajorityBase.MEMBERS, "des membres|sur les membres|of members|of the members"),
    ("majority_of", MajorityBase.CAST, "des exprimes|des suffrages exprimes|of votes cast"),
    (
        "majority_of",
        MajorityBase.PRESENT,
        "des presents|des presents ou representes|of members present|of those present",
    ),
    (
        "decision",
        "extraordinary",
        "extraordinaire|decision extraordinaire|ag extraordinaire|extraordinary"
        "|extraordinary decision",
    ),
    ("decision", "ordinary", "ordinaire|decision ordinaire|ordinary|ordinary decision"),
    (
        "abstention",
        AbstentionRule.CAST,
        "abstentions comptees|abstentions exprimees|abstentions counted|count abstentions",
    ),
    (
        "abstention",
        AbstentionRule.EXCLUDED,
        "abstentions exclues|abstentions non comptees|abstentions excluded",
    ),
    (
        "blank",
        BlankRule.COUNTED,
        "blancs comptes|blanc compte|votes blancs comptes|blancs exprimes|blank counted"
        "|blanks counted|blank votes counted|count blank votes|count blanks",
    ),
    (
        "blank",
        BlankRule.EXCLUDED,
        "blancs exclus|blancs non comptes|votes blancs exclus|blank excluded|blanks excluded"
        "|blank votes excluded",
    ),
)
_WORDS = {word: (key, value) for key, value, words in _MODIFIER_WORDS for word in words.split("|")}
WITHDRAW_WORDS = ("retirer", "annuler", "remove", "withdraw", "cancel")


@dataclass(slots=True)
class Request:
    """A poll as asked for: question, options and modifiers."""

    question: str
    options: list[str]
    settings: dict[str, str] = field(default_factory=dict)
    closes_at: datetime | None = None


def norm(text: str) -> str:
    """A word as compared: accents and case folded, typographic apostrophes made plain, spaces
    folded."""
    return " ".join(fold(text.translate(_APOSTROPHES)).split())


def comparable_option(label: str) -> str:
    """An option as members read it: ``a`` and ``a`` + zero-width space, 🍕 and 🍕 + U+FE0F,
    ``Café`` and ``cafe`` are the same option."""
    return norm(comparable(label))


def _modifier(ctx: Context, segment: str, request: Request, motion: bool) -> bool:
    """Apply one modifier segment to the request; False when it is not a modifier."""
    word = norm(segment)
    if _DEADLINE.match(segment.translate(_APOSTROPHES).strip()):
        request.closes_at = parse_moment(
            segment, ctx.now(), ctx.lang, ctx.room.timezone, default_hour=18
        )
        return True
    if word in _WORDS:
        key, value = _WORDS[word]
        if (key in MOTION_KEYS and not motion) or (key == "max" and motion):
            return False
        request.settings[key] = value
        return True
    at_most = _AT_MOST.match(word)
    if at_most and not motion:
        most = read_number(at_most.group(1) or at_most.group(2), high=MAX_OPTIONS)
        if most == 0:
            raise UsageError("“At most” needs a number of at least 1.")
        if most is None:
            raise UsageError(
                "“At most” counts choices: at most the number of options ({n} at the most).",
                n=MAX_OPTIONS,
            )
        request.settings["max"] = str(most)
        return True
    if motion and _motion_share(word, request):
        return True
    quorum = _QUORUM.match(word)
    if quorum and motion:
        percent = read_number(quorum.group(1), high=100)
        if percent is None:
            raise UsageError("A quorum is a percentage from 0 to 100.")
        request.settings["quorum"] = str(percent)
        return True
    members = _MEMBERS.match(word)
    if members and motion:
        count = read_number(members.group(1) or members.group(2), high=MAX_MEMBERS)
        if count is None:
            raise UsageError(
                "The number of members is from 1 to {n}.", n=format_number(MAX_MEMBERS, ctx.lang)
            )
        request.settings["members"] = str(count)
        return True
    return False


def _motion_share(word: str, request: Request) -> bool:
    """A motion's quorum as a share (« quorum un quart », "quorum 1/3") or a majority of any
    share (« trois quarts », « majorité 3/5 », « unanimité »)."""
    from handlers.polls.statutes import BadValue, parse_majority, parse_share

    if word.startswith("quorum ") and not _QUORUM.match(word):
        share = parse_share(word.removeprefix("quorum ").lstrip(": "))
        if share is None:
            return False
        request.settings["quorum_share"] = "0" if share[0] == 0 else f"{share[0]}/{share[1]}"
        return True
    try:
        majority = parse_majority(word)
    except BadValue:
        return False
    request.settings["majority"] = majority
    return True


def parse_request(ctx: Context, kind: PollKind) -> Request:
    """Split ``question | option | option | modifiers`` and check it."""
    segments = [s.strip() for s in ctx.text.split("|")]
    while len(segments) > 1 and not segments[-1]:
        segments.pop()  # a "|" left at the end adds nothing
    question = segments[0]
    if not question:
        raise UsageError("Write the question after the command.")
    if len(question) > MAX_QUESTION:
        raise UsageError("The question is too long (at most {n} characters).", n=MAX_QUESTION)
    request = Request(question, [])
    rest = segments[1:]
    motion = kind == PollKind.MOTION
    if motion:
        for segment in rest:
            if not segment or not _modifier(ctx, segment, request, motion=True):
                raise UsageError("Unknown rule “{value}”.", value=segment)
        return request
    while rest and rest[-1] and _modifier(ctx, rest[-1], request, motion=False):
        rest.pop()
    if not rest:
        raise UsageError("Write the options after the question, separated by |.")
    for number, option in enumerate(rest, start=1):
        if not comparable(option):  # empty, or only invisible characters
            raise UsageError("Option {n} is empty: remove the extra |.", n=number)
        if len(option) > MAX_LABEL:
            raise UsageError(
                "Option {n} is too long (at most {max} characters).", n=number, max=MAX_LABEL
            )
    if len(rest) < 2:
        raise UsageError("A poll needs at least two options.")
    if len(rest) > MAX_OPTIONS:
        raise UsageError("A poll can have at most {n} options.", n=MAX_OPTIONS)
    folded = [comparable_option(o) for o in rest]
    for number, option in enumerate(folded):
        if option in folded[:number]:
            raise UsageError(
                "The option “{option}” is given twice.", option=clip(rest[number], 40)
            )
    request.options = rest
    return request
