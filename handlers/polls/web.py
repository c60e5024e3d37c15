"""The voting page of a personal link (``/v/<token>``): the ballot of one poll, motion or
election for one member outside the chats, and the vote it sends.

A vote on the page IS a chat vote: it goes through ``cast_vote`` with a context built for the
member in the poll's room, so one ballot per member (chat or page), secret ballots (only "has
voted" is kept with the member), proxies held, an assembly's voices and the debounced edit of
the poll message in the chat all apply. The page never records the member as seen in a room."""

from __future__ import annotations

import logging
from dataclasses import asdict

from bot.context import Context, RoomVoice, Services
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Incoming, Member, Outgoing, Room
from bot.router import Router
from bot.web import NotFound, WebRequest, WebResponse
from handlers.polls.lookup import may_see
from handlers.polls.register import decision_sentence
from handlers.polls.render import label, poll_title, rules_text
from handlers.polls.results import assembly_voices, load_tally, voices_of
from handlers.polls.vote import cast_vote
from handlers.polls.webform import groups, how_to_choose, read_form, ticked
from storage.assembly import roll_entry_id
from storage.polls import MAYBE, PollKind, PollRecord, Privacy
from storage.rooms import RoomRecord
from storage.web import WebTokenRecord

log = logging.getLogger(__name__)
router = Router("polls")

TEMPLATE = "vote.html"
PRIVACY = {
    Privacy.PUBLIC: _("Public vote: your name will be shown with your vote, as in the chat."),
    Privacy.ANONYMOUS: _("Anonymous vote: the results never show who chose what."),
    Privacy.SECRET: _(
        "Secret ballot: only the counts keep your choice, and a secret vote cannot be changed."
    ),
}


def _member(token: WebTokenRecord, services: Services, poll: PollRecord) -> Member:
    """The member a link stands for, named as on the roll now. A name on the roll since tied
    to a chat account votes as that account (one ballot, chat or page); a name taken off the
    roll has no vote left: the link no longer works."""
    assert token.person_key is not None
    key = token.person_key
    name = token.name
    entry_id = roll_entry_id(key)
    if entry_id is not None:
        entry = services.store.assembly.entry(entry_id)
        if entry is None or entry.name == "":
            raise NotFound  # as a revoked link: the same page
        if services.store.assembly.entry_association(entry_id) != poll.association_id:
            raise NotFound  # the poll's room left the name's association (/delier)
        name = entry.name
        key = entry.member_key or key
    elif not services.store.polls.member_in_association(poll.association_id, key):
        raise NotFound  # a chat member of another association now (/delier)
    platform, _sep, ident = key.partition(":")
    return Member(platform, ident, name or key)


def _context(services: Services, room: RoomRecord, member: Member) -> Context:
    """A context as if the member had written in the poll's room."""
    incoming = Incoming(
        Room(room.platform, room.external_id, room.title, private=False),
        member,
        "",
        services.clock.now(),
    )
    return Context(services, incoming, room, None, "")


def _load(services: Services, request: WebRequest) -> tuple[PollRecord, RoomRecord, RoomVoice]:
    token = request.token
    assert token is not None and token.poll_id is not None
    poll = services.store.polls.get(token.poll_id)
    room = services.store.rooms.get(poll.room_key) if poll is not None else None
    if poll is None or room is None or poll.association_id != token.association_id:
        raise NotFound
    language = request.language or room.language
    voice = RoomVoice(services.translator, language, room.timezone, services.commands)
    return poll, room, voice


def _voices_left(services: Services, poll: PollRecord, key: str) -> list[str]:
    """The voices a member still casts in a secret ballot (their own, then proxies held)."""
    store = services.store.polls
    voices = assembly_voices(services, poll)
    if voices is not None:
        mine = voices_of(voices, key)
    elif poll.seats is not None:  # a secret election: each voice its own ballot
        proxies = store.proxies(poll.association_id, poll.id)
        mine = [key] + [p.giver_key for p in proxies if p.holder_key == key]
    else:
        mine = [key]
    return [k for k in mine if not store.has_voted(poll.id, k)]


def _proxies_held(services: Services, poll: PollRecord, key: str) -> list[str]:
    """The names of the members whose proxy the member holds for this vote."""
    voices = assembly_voices(services, poll)
    if voices is not None and poll.assembly_id is not None:
        givers = {giver for giver, holder in voices.proxies if holder == key}
        proxies = services.store.assembly.proxies(poll.assembly_id)
        held = [(p.giver_key, p.giver_name) for p in proxies if p.giver_key in givers]
    else:
        held = [
            (p.giver_key, p.giver_name)
            for p in services.store.polls.proxies(poll.association_id, poll.id)
            if p.holder_key == key
        ]
    # A giver who voted herself keeps her own vote: the holder no longer votes for her.
    voted = services.store.polls.has_voted
    return [
        name
        for giver, name in held
        if not voted(poll.id, giver) or services.store.polls.secret_holder(poll.id, giver) == key
    ]


def _page(
    services: Services,
    request: WebRequest,
    *,
    error: str = "",
    status: int = 200,
    submitted: dict[int, int] | None = None,
) -> WebResponse:
    poll, room, voice = _load(services, request)
    token = request.token
    assert token is not None
    member = _member(token, services, poll)
    key = member.key
    store = services.store.polls
    options = store.options(poll.id)
    rules = [how_to_choose(voice, poll, options), voice.t(PRIVACY[poll.privacy])]
    if poll.kind == PollKind.MOTION:
        rules.append(rules_text(voice, poll))
    if poll.hide_results and poll.is_open and not poll.secret:
        rules.append(voice.t("The results are shown when the poll closes."))
    notes: list[str] = []
    confirmation = ""
    show_form = poll.is_open
    current: dict[int, int] = {}
    if not poll.is_open:
        assert poll.closed_at is not None
        notes.append(voice.t("This vote closed on {when}.", when=voice.when(poll.closed_at)))
        notes.append(decision_sentence(services, voice, load_tally(services, poll)))
    elif poll.secret:
        left = _voices_left(services, poll, key)
        voted = store.has_voted(poll.id, key)
        if request.query.get("done") and voted:
            confirmation = voice.t("Your secret ballot is counted. Thank you.")
        if voted and left:
            notes.append(
                voice.tn(
                    "You hold {n} more voice: vote again, once per voice.",
                    "You hold {n} more voices: vote again, once per voice.",
                    len(left),
                )
            )
        elif voted:
            holder = store.secret_holder(poll.id, key)
            notes.append(
                voice.t("Your proxy holder has voted for you in this secret ballot.")
                if holder is not None and holder != key
                else voice.t("You have voted in this secret ballot; it cannot be changed.")
            )
            show_form = False
    else:
        ballot = store.ballot_of(poll.id, key)
        current = ballot or {}
        if request.query.get("done") and ballot is not None:
            confirmation = voice.t("Your vote is recorded. Thank you.")
        if current and poll.privacy == Privacy.ANONYMOUS:
            # An anonymous choice is shown to nobody, not even on the member's page: whoever
            # holds the link (an organizer who issued it) must not read it there.
            current = {}
            notes.append(
                voice.t(
                    "You have voted. The poll is anonymous, so this page does not show your "
                    "choice; voting again replaces it."
                )
            )
        if current:
            by_position = {o.position: o for o in options}
            chosen = ", ".join(
                label(voice, poll, by_position[p]) + (" (?)" if answer == MAYBE else "")
                for p, answer in sorted(current.items())
                if p in by_position
            )
            notes.append(voice.t("Your current vote: {choices}.", choices=chosen))
            notes.append(voice.t("You may change it until the poll closes."))
    voices = assembly_voices(services, poll) if poll.is_open else None
    if voices is not None and not voices_of(voices, key):
        # At an assembly only voices vote: say it before the ballot is filled in (a member
        # who left, or who is not recorded present, has no vote now, whatever she cast).
        show_form = False
        current = {}
        notes[:] = [
            voice.t(
                "Only members present or represented at the assembly vote: ask the secretary "
                "to record your attendance, or give your proxy to a member who is there."
            )
        ]
    elif poll.is_open:
        held = _proxies_held(services, poll, key)
        if held:
            notes.append(voice.t("You also vote for: {names}.", names=", ".join(held)))
    if poll.is_open and poll.closes_at is not None:
        notes.append(voice.t("Closes on {when}.", when=voice.when(poll.closes_at)))
    title = poll_title(voice, poll).split(" ", 1)[-1]
    where = room.title or voice.t("the association")
    fieldsets = groups(voice, poll, options, submitted if submitted is not None else current)
    return WebResponse.page(
        TEMPLATE,
        voice.language,
        status=status,
        title=title,
        association=where,
        heading=title,
        voter=voice.t("Ballot of {name}", name=member.name),
        rules=rules,
        notes=notes,
        confirmation=confirmation,
        error=error,
        show_form=show_form,
        groups=[{"legend": g.legend, "inputs": [asdict(i) for i in g.inputs]} for g in fieldsets],
        submit=voice.t("Vote"),
    )


@router.page("GET", "/v/{token}", token="vote")
async def vote_page(services: Services, request: WebRequest) -> WebResponse:
    return _page(services, request)


@router.page("POST", "/v/{token}", token="vote")
async def vote_post(services: Services, request: WebRequest) -> WebResponse:
    poll, room, voice = _load(services, request)
    token = request.token
    assert token is not None and token.person_key is not None
    options = services.store.polls.options(poll.id)
    try:
        choices = read_form(poll, options, request.form)
    except UsageError as error:
        text = voice.t(error.msgid, **error.params)
        shown = ticked(poll, request.form)
        return _page(services, request, error=text, status=400, submitted=shown or None)
    member = _member(token, services, poll)
    ctx = _context(services, room, member)
    try:
        if not may_see(ctx, poll):
            raise Refusal("There is no poll #{id} here.", id=poll.id)
        voices = assembly_voices(services, poll)
        if voices is not None and not voices_of(voices, member.key):
            raise Refusal(
                "Only members present or represented at the assembly vote: ask the secretary "
                "to record your attendance, or give your proxy to a member who is there."
            )
        cast_vote(ctx, poll, choices, seen=False)
    except (Refusal, UsageError) as error:
        text = voice.t(error.msgid, **error.params)
        return _page(services, request, error=text, status=409, submitted=choices)
    services.store.web.touch(token.id, services.clock.now())
    if roll_entry_id(member.key) is None:
        await _tell_member(services, poll, member, room)
    return WebResponse.redirect(f"?done=1&lang={voice.language}")


async def _tell_member(
    services: Services, poll: PollRecord, member: Member, room: RoomRecord
) -> None:
    """A member with a chat account is told in private when their link voted: an organizer
    who issued the links (``tous``) cannot vote in their name unseen."""
    try:
        private = await services.private_room(member.key)
        if private is None:
            return
        voice = services.voice(room)
        await services.send(
            private,
            Outgoing(
                voice.t(
                    "Your vote in poll #{id} was just cast with your personal voting link, on "
                    "the web page. If it was not you, tell the organizers: they revoke the link "
                    "with /{command} {id} revoke.",
                    id=poll.id,
                    command=voice.command("vote_links"),
                )
            ),
        )
    except Exception:  # the vote stands; telling the member is a courtesy
        log.warning("could not tell a member about a vote cast by link", exc_info=True)
