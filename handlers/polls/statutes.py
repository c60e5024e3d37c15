"""The association's rules (/statuts, /bylaws): reading a quorum or a majority typed in French or
English, describing the rules in sentences (for /statuts and the minutes), and the motion rules
the statutes give each kind of decision."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.context import Context, RoomVoice
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.router import Router
from bot.text import clip
from handlers.polls.requests import norm
from handlers.polls.tally import (
    AbstentionRule,
    BlankRule,
    Majority,
    MajorityBase,
    MotionRules,
    fraction,
    share_of,
)
from storage.statutes import Statutes

router = Router("polls")

MAX_PROXY_CAP = 50
MAX_NOTICE_DAYS = 365
MAX_MEMBERS_COUNT = 1_000_000
MAX_DENOMINATOR = 1000

# Shares written in words (accents folded): numerator/denominator.
_SHARES: tuple[tuple[str, tuple[int, int]], ...] = (
    ("un quart|le quart|quart|1 quart|a quarter|one quarter|quarter", (1, 4)),
    ("un tiers|le tiers|tiers|a third|one third|third", (1, 3)),
    ("la moitie|moitie|half|one half|a half|un demi", (1, 2)),
    ("deux tiers|les deux tiers|2 tiers|two thirds|two-thirds", (2, 3)),
    ("trois quarts|les trois quarts|3 quarts|three quarters|three-quarters", (3, 4)),
    ("un cinquieme|le cinquieme|cinquieme|a fifth|one fifth|fifth", (1, 5)),
    ("un dixieme|le dixieme|dixieme|a tenth|one tenth|tenth", (1, 10)),
    ("quatre cinquiemes|four fifths", (4, 5)),
    ("trois cinquiemes|three fifths", (3, 5)),
    ("deux cinquiemes|two fifths", (2, 5)),
)
_SHARE_WORDS = {word: share for words, share in _SHARES for word in words.split("|")}
_NONE_WORDS = frozenset(
    [
        "0",
        "0 %",
        "0%",
        "aucun",
        "aucune",
        "sans",
        "sans quorum",
        "pas de quorum",
        "none",
        "no quorum",
        "no",
        "non",
        "zero",
    ]
)
_MAJORITIES = (
    (
        "simple|relative|majorite simple|majorite relative|simple majority|relative majority",
        "simple",
    ),
    ("absolue|majorite absolue|absolute|absolute majority", "absolute"),
    ("unanimite|l'unanimite|a l'unanimite|unanime|unanimity|unanimous", "unanimity"),
)
_MAJORITY_WORDS = {word: value for words, value in _MAJORITIES for word in words.split("|")}
_YES = frozenset(
    [
        "oui",
        "yes",
        "o",
        "y",
        "1",
        "vrai",
        "true",
        "on",
        "active",
        "activee",
        "actif",
        "autorise",
        "autorisees",
    ]
)
_NO = frozenset(
    [
        "non",
        "no",
        "n",
        "0",
        "faux",
        "false",
        "off",
        "desactive",
        "desactivee",
        "aucune",
        "interdites",
    ]
)
_LEADING = re.compile(r"^(?:de |d'|des |of |at least |au moins |a |la majorite des |majorite )")


class BadValue(Exception):
    """A value a statute cannot take; the caller replies with the example."""


def parse_share(text: str) -> tuple[int, int] | None:
    """A share typed by a member: « un quart », « 1/4 », « 25 % », « 12,5 % », « la moitié »,
    « deux tiers », "a quarter"… ``(0, 1)`` for none; None when unreadable or above 1."""
    word = norm(text)
    if not word:
        return None
    if word in _NONE_WORDS:
        return (0, 1)
    while True:
        stripped = _LEADING.sub("", word)
        if stripped == word:
            break
        word = stripped
    if word in _SHARE_WORDS:
        return _SHARE_WORDS[word]
    word = re.sub(r"\s*(?:pour ?cent|percent|pct)$", "%", word)
    if len(word) > 20:
        return None
    share = fraction(word.replace(" ", ""))
    if share is None or share[1] > MAX_DENOMINATOR:
        return None
    return share


def share_text(share: tuple[int, int]) -> str:
    """A share as stored: ``"1/4"``, ``"0"``."""
    return "0" if share[0] == 0 else f"{share[0]}/{share[1]}"


def parse_quorum(text: str) -> str:
    """A quorum as stored (``"1/4"``, ``"0"``); ``BadValue`` otherwise."""
    share = parse_share(text)
    if share is None:
        raise BadValue(text)
    return share_text(share)


def parse_majority(text: str) -> str:
    """A majority as stored: simple | absolute | two_thirds | unanimity | "N/M" (at least that
    share); ``BadValue`` for none or unreadable."""
    word = norm(text)
    for prefix in ("majorite des ", "majorite de ", "majorite ", "a la majorite des "):
        if word.startswith(prefix) and word[len(prefix) :] not in _MAJORITY_WORDS:
            word = word[len(prefix) :]
    word = re.sub(r"\s*majority$", "", word) if word not in _MAJORITY_WORDS else word
    if word in _MAJORITY_WORDS:
        return _MAJORITY_WORDS[word]
    share = parse_share(word)
    if share is None or share[0] == 0:
        raise BadValue(text)
    if share == (2, 3):
        return Majority.TWO_THIRDS
    if share == (1, 1):
        return Majority.UNANIMITY
    return share_text(share)  # "1/2" is at least half; "absolute" is more than half


def _flag(text: str) -> bool:
    word = norm(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise BadValue(text)


def _count(text: str, high: int) -> int:
    word = norm(text).split(" ")[0] if text.strip() else ""
    if not word.isdigit() or len(word) > 9 or int(word) > high:
        raise BadValue(text)
    return int(word)


# What a share is called.
_SHARE_NAMES = {
    (1, 4): _("a quarter"),
    (1, 3): _("a third"),
    (1, 2): _("half"),
    (2, 3): _("two thirds"),
    (3, 4): _("three quarters"),
}


_MAJORITY_NAMES = {
    (2, 3): _("a two-thirds majority"),
    (3, 4): _("a three-quarters majority"),
}


def describe_share(voice: RoomVoice, share: tuple[int, int]) -> str:
    """« un quart », « deux tiers », « 3/5 »."""
    if share in _SHARE_NAMES:
        return voice.t(_SHARE_NAMES[share])
    return f"{share[0]}/{share[1]}"


def describe_majority(voice: RoomVoice, majority: str, base: str = MajorityBase.CAST) -> str:
    """« la majorité des deux tiers des suffrages exprimés », "a simple majority"…"""
    if majority == Majority.SIMPLE:
        rule = voice.t("a simple majority")
    elif majority == Majority.ABSOLUTE:
        rule = voice.t("an absolute majority")
    elif majority == Majority.UNANIMITY:
        rule = voice.t("unanimity")
    else:
        share = fraction(majority) or (1, 2)
        if share in _MAJORITY_NAMES:
            rule = voice.t(_MAJORITY_NAMES[share])
        else:
            rule = voice.t("a majority of {share}", share=f"{share[0]}/{share[1]}")
    if majority == Majority.SIMPLE and base == MajorityBase.CAST:
        return rule
    of = describe_base(voice, base)
    return f"{rule} {of}"


def describe_base(voice: RoomVoice, base: str) -> str:
    """What a majority is a share of: "of the votes cast"…"""
    if base == MajorityBase.PRESENT:
        return voice.t("of the members present or represented")
    if base == MajorityBase.MEMBERS:
        return voice.t("of all the members")
    return voice.t("of the votes cast")


def _quorum_sentence(voice: RoomVoice, value: str, extraordinary: bool, of: str) -> str:
    share = fraction(value) or (0, 1)
    if share[0] == 0:
        return (
            voice.t("Extraordinary assembly: no quorum.")
            if extraordinary
            else voice.t("Ordinary assembly: no quorum.")
        )
    counted = (
        voice.t("members present only")
        if of == "present"
        else voice.t("members present or represented")
    )
    if extraordinary:
        return voice.t(
            "Extraordinary assembly: quorum of {share} of the members ({counted}).",
            share=describe_share(voice, share),
            counted=counted,
        )
    return voice.t(
        "Ordinary assembly: quorum of {share} of the members ({counted}).",
        share=describe_share(voice, share),
        counted=counted,
    )


def describe_statutes(voice: RoomVoice, statutes: Statutes) -> list[str]:
    """The rules in sentences, in the room's language (for /statuts and the minutes)."""
    s = statutes
    lines = [
        _quorum_sentence(voice, s.quorum_ordinary, False, s.quorum_of),
        _quorum_sentence(voice, s.quorum_extraordinary, True, s.quorum_of),
        voice.t(
            "Ordinary decisions: {rule}.",
            rule=describe_majority(voice, s.majority_ordinary, s.majority_of),
        ),
        voice.t(
            "Extraordinary decisions: {rule}.",
            rule=describe_majority(voice, s.majority_extraordinary, s.majority_of),
        ),
        voice.t(
            "Elections: {rule} at the first round, relative majority at the second.",
            rule=describe_majority(voice, s.majority_election, MajorityBase.CAST),
        ),
    ]
    blank_cast = s.blank == BlankRule.COUNTED
    abstention_cast = s.abstention == AbstentionRule.CAST
    if blank_cast == abstention_cast:
        lines.append(
            voice.t("Blank votes and abstentions count as votes cast.")
            if blank_cast
            else voice.t("Blank votes and abstentions are not votes cast.")
        )
    else:
        lines.append(
            voice.t("Blank votes count as votes cast; abstentions do not.")
            if blank_cast
            else voice.t("Abstentions count as votes cast; blank votes do not.")
        )
    lines.append(
        voice.t("The chair has a casting vote on a tie (public votes only, never secret).")
        if s.casting_vote
        else voice.t("The chair has no casting vote: a tie rejects.")
    )
    if s.proxies:
        lines.append(
            voice.tn(
                "Proxies allowed: at most {n} per member.",
                "Proxies allowed: at most {n} per member.",
                s.proxy_cap,
            )
        )
    else:
        lines.append(voice.t("Proxies are not allowed."))
    lines.append(
        voice.t("Elections of people are secret ballots.")
        if s.secret_elections
        else voice.t("Elections of people are public votes.")
    )
    lines.append(voice.tn("Notice period: {n} day.", "Notice period: {n} days.", s.notice_days))
    if s.members_count is not None:
        lines.append(
            voice.tn(
                "Members: {n} (a count set by an organizer).",
                "Members: {n} (a count set by an organizer).",
                s.members_count,
            )
        )
    return lines


def motion_rules(statutes: Statutes, decision: str) -> MotionRules:
    """The rules a motion of a kind of decision follows: ``ordinary`` or ``extraordinary``
    (``election`` too: the first round's majority)."""
    extraordinary = decision == "extraordinary"
    majority = {
        "extraordinary": statutes.majority_extraordinary,
        "election": statutes.majority_election,
    }.get(decision, statutes.majority_ordinary)
    base = (
        statutes.majority_of if statutes.majority_of in tuple(MajorityBase) else MajorityBase.CAST
    )
    return MotionRules(
        quorum_percent=0,
        majority=majority,
        majority_of=MajorityBase(base),
        abstention=AbstentionRule(statutes.abstention)
        if statutes.abstention in tuple(AbstentionRule)
        else AbstentionRule.EXCLUDED,
        blank=BlankRule(statutes.blank)
        if statutes.blank in tuple(BlankRule)
        else BlankRule.EXCLUDED,
        quorum=statutes.quorum_extraordinary if extraordinary else statutes.quorum_ordinary,
        casting_vote=statutes.casting_vote,
    )


def quorum_needed_for(statutes: Statutes, extraordinary: bool, roll_size: int) -> int:
    """How many members must be present or represented for an assembly of that kind."""
    value = statutes.quorum_extraordinary if extraordinary else statutes.quorum_ordinary
    return share_of(roll_size, fraction(value) or (0, 1))


# The command ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    words: tuple[str, ...]  # how members name it (folded), longest first within a family
    key: str
    read: Callable[[str], str | int | bool | None]
    example: str


def _read_base(text: str) -> str:
    word = norm(text)
    for value, words in (
        (
            MajorityBase.CAST,
            "exprimes|des exprimes|suffrages exprimes|des suffrages exprimes|cast",
        ),
        (MajorityBase.PRESENT, "presents|des presents|presents ou representes|present|present"),
        (MajorityBase.MEMBERS, "membres|des membres|tous les membres|members|all members"),
    ):
        for each in words.split("|"):
            if word in (each, "of " + each, "of the " + each, "votes " + each):
                return value
    raise BadValue(text)


def _read_quorum_of(text: str) -> str:
    word = norm(text)
    if word in ("presents ou representes", "present or represented", "representes", "members"):
        return "members"
    if word in ("presents", "presents seulement", "present", "present only", "in person"):
        return "present"
    raise BadValue(text)


def _read_counted(text: str) -> bool:
    word = norm(text)
    if word in ("comptes", "comptees", "compte", "comptee", "exprimes", "counted", "cast"):
        return True
    if word in ("exclus", "exclues", "exclu", "non comptes", "non comptees", "excluded"):
        return False
    return _flag(text)


def _proxies(text: str) -> int | bool:
    word = norm(text)
    if word in _YES or word in _NO:
        return _flag(text)
    return _count(text, MAX_PROXY_CAP)


def _members(text: str) -> int | None:
    if norm(text) in ("aucun", "liste", "none", "roll", "list", "non", "no"):
        return None
    count = _count(text, MAX_MEMBERS_COUNT)
    if count == 0:
        raise BadValue(text)
    return count


_RULES: tuple[_Rule, ...] = (
    _Rule(
        ("quorum extraordinaire", "quorum extraordinary", "extraordinary quorum"),
        "quorum_extraordinary",
        parse_quorum,
        "/statuts quorum extraordinaire la moitié",
    ),
    _Rule(
        ("quorum compte", "quorum counts", "quorum counted among"),
        "quorum_of",
        _read_quorum_of,
        "/statuts quorum compte presents ou representes",
    ),
    _Rule(
        ("quorum ordinaire", "quorum ordinary", "ordinary quorum", "quorum"),
        "quorum_ordinary",
        parse_quorum,
        "/statuts quorum 1/4",
    ),
    _Rule(
        ("majorite extraordinaire", "majority extraordinary", "extraordinary majority"),
        "majority_extraordinary",
        parse_majority,
        "/statuts majorite extraordinaire 2/3",
    ),
    _Rule(
        ("majorite election", "majorite elections", "majority election", "election majority"),
        "majority_election",
        parse_majority,
        "/statuts majorite election absolue",
    ),
    _Rule(
        ("majorite calculee sur", "majorite sur", "majority of", "majority over", "base"),
        "majority_of",
        _read_base,
        "/statuts majorite sur exprimes",
    ),
    _Rule(
        ("majorite ordinaire", "majority ordinary", "ordinary majority", "majorite", "majority"),
        "majority_ordinary",
        parse_majority,
        "/statuts majorite absolue",
    ),
    _Rule(
        ("votes blancs", "blancs", "blanc", "blank votes", "blanks", "blank"),
        "blank",
        lambda text: "counted" if _read_counted(text) else "excluded",
        "/statuts blancs exclus",
    ),
    _Rule(
        ("abstentions", "abstention"),
        "abstention",
        lambda text: "cast" if _read_counted(text) else "excluded",
        "/statuts abstentions exclues",
    ),
    _Rule(
        ("voix preponderante", "casting vote"),
        "casting_vote",
        _flag,
        "/statuts voix preponderante oui",
    ),
    _Rule(
        ("procurations", "procuration", "pouvoirs", "proxies", "proxy"),
        "proxies",
        _proxies,
        "/statuts procurations 3",
    ),
    _Rule(
        ("scrutin secret", "vote secret", "elections secretes", "secret elections", "secret"),
        "secret_elections",
        _flag,
        "/statuts scrutin secret oui",
    ),
    _Rule(
        ("preavis", "delai de convocation", "convocation", "notice period", "notice"),
        "notice_days",
        lambda text: _count(text, MAX_NOTICE_DAYS),
        "/statuts preavis 15",
    ),
    _Rule(
        ("nombre de membres", "membres", "number of members", "members"),
        "members_count",
        _members,
        "/statuts membres 40",
    ),
)


def find_rule(text: str) -> tuple[_Rule, str] | None:
    """The rule a ``/statuts`` line names and the value typed after it."""
    folded = norm(text)
    for rule in _RULES:
        for word in rule.words:
            if folded == word or folded.startswith(word + " "):
                # Cut the same number of words from the original (accents kept for the echo).
                value = " ".join(text.split()[len(word.split()) :])
                return rule, value
    return None


def _set(ctx: Context, rule: _Rule, value_text: str) -> tuple[str, str | int | bool | None]:
    if not value_text.strip():
        raise UsageError("Give a value: for example {example}", example=rule.example)
    try:
        value = rule.read(value_text)
    except BadValue:
        raise UsageError(
            "“{value}” is not a value for this rule: for example {example}",
            value=clip(value_text, 40),
            example=rule.example,
        ) from None
    if rule.key == "proxies" and isinstance(value, int) and not isinstance(value, bool):
        ctx.store.statutes.set(
            ctx.room.association_id, "proxy_cap", value, ctx.sender.key, ctx.now()
        )
        value = value > 0
    ctx.store.statutes.set(ctx.room.association_id, rule.key, value, ctx.sender.key, ctx.now())
    return rule.key, value


@router.command(
    "bylaws",
    "statuts",
    "statutes",
    usage=_("[rule value]"),
    help=_(
        "Show the association's voting rules (quorum, majorities, proxies, notice); "
        "organizers set them."
    ),
    examples=(
        _("/bylaws quorum 1/4"),
        _("/bylaws quorum extraordinary half"),
        _("/bylaws majority extraordinary 2/3"),
        _("/bylaws proxies 3"),
        _("/bylaws notice 15"),
        _("/bylaws casting vote yes"),
        _(
            "Rules: quorum, quorum extraordinary, majority, majority extraordinary, majority "
            "election, majority of (cast, present, members), blank, abstentions, casting vote, "
            "proxies, secret elections, notice, members."
        ),
    ),
)
async def statutes_command(ctx: Context) -> None:
    text = ctx.text.strip()
    if ctx.room.private:
        raise Refusal("The rules belong to an association: ask in one of its rooms.")
    if not text:
        statutes = ctx.store.statutes.get(ctx.room.association_id)
        lines = [ctx.t("The association's rules:")]
        lines += [f"• {line}" for line in describe_statutes(ctx.voice, statutes)]
        lines.append(
            ctx.t(
                "These are the association's own rules, as its statutes set them: the law of "
                "1901 sets none of them. Organizers change one with /{name} rule value.",
                name=ctx.command_name("bylaws"),
            )
        )
        await ctx.reply("\n".join(lines))
        return
    found = find_rule(text)
    if found is None:
        raise UsageError(
            "Unknown rule “{rule}”: for example /{name} quorum 1/4.",
            rule=clip(text, 40),
            name=ctx.command_name("bylaws"),
        )
    if not ctx.is_organizer:
        raise Refusal("Only an organizer can change the association's rules.")
    rule, value_text = found
    _set(ctx, rule, value_text)
    statutes = ctx.store.statutes.get(ctx.room.association_id)
    await ctx.reply(
        ctx.t("Rule saved.")
        + "\n"
        + "\n".join(f"• {line}" for line in describe_statutes(ctx.voice, statutes))
    )
