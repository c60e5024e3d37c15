"""/liens-vote (/vote-links): personal voting links for members outside the chats.

An organizer asks for the links of one open poll, motion or election; the bot issues one link
per roll member without a chat account (or per member on the roll with ``tous``) and sends a
CSV file (name, link, status) in a private chat only: a link is a secret, anyone holding the
file could vote in those members' names. Asking again issues links only for members who have
none live (a lost link: revoke it, then ask again); ``revoquer NAME`` or ``revoquer tous``
revokes."""

from __future__ import annotations

from bot.context import Context
from bot.csvsafe import write_csv
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Attachment, Outgoing
from bot.router import Router
from bot.text import clip, fold
from handlers.polls.lookup import find_poll, read_poll_id
from handlers.polls.requests import norm
from storage.assembly import RollEntry
from storage.polls import PollRecord
from storage.web import WebTokenRecord

router = Router("polls")

ALL_WORDS = frozenset({"tous", "toutes", "all", "everyone", "tout"})
REVOKE_WORDS = frozenset({"revoquer", "revoque", "revoke", "annuler", "retirer", "cancel"})
VOTE_PAGE = "/v/{token}"


def vote_path(token: str) -> str:
    """The page of a personal voting link."""
    return VOTE_PAGE.format(token=token)


def _usage(ctx: Context) -> UsageError:
    return UsageError(
        "Give the number of the poll, motion or election: /{name} 12 (members without a chat "
        "account), /{name} 12 all (everyone on the roll), /{name} 12 revoke Odile Martin.",
        name=ctx.command_name("vote_links"),
    )


def _poll(ctx: Context) -> PollRecord:
    """The poll named first (refused unless the sender may manage it)."""
    poll_id = read_poll_id(ctx, ctx.args[0]) if ctx.args else None
    if poll_id is None:
        raise _usage(ctx)
    if ctx.room.private:
        raise Refusal(
            "Personal voting links are given by an organizer, in the association's group: "
            "type this command there (the file comes to you in private)."
        )
    poll = find_poll(ctx, poll_id)
    # An organizer of the poll's room only, never its creator as such: the file lets whoever
    # holds it vote in every member's name.
    if not ctx.may_act_on(poll.room_key):
        raise Refusal("Only an organizer of the poll's room can give personal voting links.")
    return poll


@router.command(
    "vote_links",
    "liens_vote",
    usage=_("N [all] | N revoke <name> | N revoke all"),
    help=_(
        "Personal voting links for poll, motion or election N, for members without a chat "
        "account (or everyone with all): a file sent to you in private."
    ),
    examples=(_("/vote-links 12"), _("/vote-links 12 all"), _("/vote-links 12 revoke Odile")),
    organizer=True,
)
async def vote_links_command(ctx: Context) -> None:
    poll = _poll(ctx)
    words = ctx.args[1:]
    if words and norm(words[0]) in REVOKE_WORDS:
        await _revoke(ctx, poll, words[1:])
        return
    if len(words) > 1 or (words and norm(words[0]) not in ALL_WORDS):
        raise _usage(ctx)
    await _issue(ctx, poll, everyone=bool(words))


def _web_off() -> Refusal:
    return Refusal(
        "The web page is off, so there is nowhere to vote by link. The bot's host turns it on "
        "in config.toml: [web] enabled = true, with public_url = the page's public address "
        "(behind the reverse proxy).",
    )


async def _issue(ctx: Context, poll: PollRecord, *, everyone: bool) -> None:
    if ctx.services.web_address(vote_path("x")) is None:
        raise _web_off()
    if not poll.is_open:
        raise Refusal(
            "Poll #{id} is closed: votes are no longer accepted, so no link is issued.",
            id=poll.id,
        )
    roll = ctx.store.assembly.roll(poll.association_id)
    people = roll if everyone else [entry for entry in roll if not entry.platforms]
    members = ctx.command_name("members")
    if not roll:
        raise Refusal(
            "The roll is empty: add the members' names first, one per line, with /{members} "
            "add Odile Martin.",
            members=members,
        )
    if not people:
        raise Refusal(
            "Everyone on the roll has a chat account: they vote in the chat. Add the names of "
            "members outside the chats with /{members} add Odile Martin, or ask for everyone's "
            "links with /{name} {id} all.",
            members=members,
            name=ctx.command_name("vote_links"),
            id=poll.id,
        )
    private = await ctx.private_room()
    if private is None:
        raise Refusal(
            "These links are secret (anyone holding one votes in that member's name), so I send "
            "them only in a private chat, and I cannot open one with you here. Write to the bot "
            "in private first, then ask again."
        )
    live = {t.person_key: t for t in ctx.store.web.active("vote", poll.association_id, poll.id)}
    rows, issued = _rows(ctx, poll, people, live)
    filename = f"vote-links-{poll.id}.csv" if ctx.lang != "fr" else f"liens-vote-{poll.id}.csv"
    delimiter = ";" if ctx.lang == "fr" else ","
    header = [ctx.t("name"), ctx.t("link"), ctx.t("status")]
    content = write_csv([header, *rows], delimiter=delimiter)
    already = len(people) - len(issued)
    text = ctx.tn(
        "Voting links for poll #{id} “{question}”: {n} new link",
        "Voting links for poll #{id} “{question}”: {n} new links",
        len(issued),
        id=poll.id,
        question=clip(poll.question, 80),
    )
    if already:
        text += ctx.tn(
            ", {n} issued before (not shown again)",
            ", {n} issued before (not shown again)",
            already,
        )
    text += ". " + ctx.t(
        "Each link lets one member vote until the poll closes; keep this file private: anyone "
        "holding it can vote in these members' names. A lost link: /{name} {id} revoke NAME, "
        "then /{name} {id} again.",
        name=ctx.command_name("vote_links"),
        id=poll.id,
    )
    delivery = await ctx.send(
        private, Outgoing(text, attachment=Attachment(filename, content, "text/csv"))
    )
    if not delivery.ok:
        for record in issued:  # nobody holds them: they must not stay live
            ctx.store.web.revoke(record.id, ctx.now())
        raise Refusal(
            "I could not send you the links in private, so none was issued. Write to the bot "
            "in private first, then ask again."
        )
    if private != ctx.room.key:
        await ctx.reply(
            ctx.t(
                "The voting links for poll #{id} are in your private chat with the bot (they "
                "are secret: never post them in a group).",
                id=poll.id,
            )
        )


def _rows(
    ctx: Context,
    poll: PollRecord,
    people: list[RollEntry],
    live: dict[str | None, WebTokenRecord],
) -> tuple[list[list[str]], list[WebTokenRecord]]:
    """One line per person: a new link, or the date of the live one (the plain token of an
    earlier link is not kept, so it cannot be shown again)."""
    rows: list[list[str]] = []
    issued: list[WebTokenRecord] = []
    for entry in people:
        before = live.get(entry.key)
        if before is not None:
            status = ctx.t("link issued on {date}", date=ctx.format_date(before.created_at))
            rows.append([entry.name, "", status])
            continue
        token, record = ctx.store.web.issue(
            "vote",
            poll.association_id,
            poll_id=poll.id,
            person_key=entry.key,
            name=entry.name,
            now=ctx.now(),
        )
        issued.append(record)
        address = ctx.services.web_address(vote_path(token)) or ""
        status = ctx.t("new link") if entry.platforms == () else ctx.t("new link (also in chat)")
        rows.append([entry.name, address, status])
    return rows, issued


def _comparable(name: str) -> str:
    """A name as compared: invisible characters dropped, spaces folded, case and accents
    aside."""
    return fold(clip(name, 500))


async def _revoke(ctx: Context, poll: PollRecord, words: list[str]) -> None:
    live = ctx.store.web.active("vote", poll.association_id, poll.id)
    name = " ".join(words).strip()
    if not name:
        raise UsageError(
            "Say whose link to revoke: /{name} {id} revoke Odile Martin (or all).",
            name=ctx.command_name("vote_links"),
            id=poll.id,
        )
    if len(words) == 1 and norm(words[0]) in ALL_WORDS:
        count = sum(1 for record in live if ctx.store.web.revoke(record.id, ctx.now()))
        await ctx.reply(
            ctx.tn(
                "{n} voting link of poll #{id} revoked.",
                "{n} voting links of poll #{id} revoked.",
                count,
                id=poll.id,
            )
        )
        return
    wanted = _comparable(name)
    found = [record for record in live if _comparable(record.name) == wanted]
    if not found:  # a first name alone ("Odile"), or any part of the name, when it is unique
        parts = wanted.split()
        found = [
            record
            for record in live
            if all(part in _comparable(record.name).split() for part in parts)
        ]
        if len(found) > 1:
            raise Refusal(
                "Several voting links of poll #{id} match {name}: {names}. Write the whole name.",
                id=poll.id,
                name=clip(name, 80),
                names=", ".join(clip(record.name, 60) for record in found[:10]),
            )
    if not found:
        raise Refusal(
            "No live voting link of poll #{id} is in the name of {name}.",
            id=poll.id,
            name=clip(name, 80),
        )
    for record in found:
        ctx.store.web.revoke(record.id, ctx.now())
    await ctx.reply(
        ctx.t(
            "The voting link of {name} for poll #{id} is revoked; /{command} {id} issues a new "
            "one.",
            name=found[0].name,
            id=poll.id,
            command=ctx.command_name("vote_links"),
        )
    )
