"""``/mydata``, ``/forgetme``, ``/privacy`` and ``/export``: members' rights over their data
and the association's archive."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime, timedelta

from bot.context import Context
from bot.errors import Refusal
from bot.export import association_zip
from bot.i18n import _
from bot.message import Attachment, Button, Outgoing
from bot.router import Router
from handlers.data.settings import DataSettings
from storage.privacy import ForgetReport, LapsedProxy, LinksChoice

router = Router("data")

BUTTON = "forget"
CONFIRM_MINUTES = 60  # a confirmation older than this is refused: ask again
MB = 1024 * 1024
CHOICES: dict[str, LinksChoice] = {"anon": "anonymous", "del": "deleted"}


def _member_tag(key: str) -> str:
    """A short tag of a member's key for button data (the key itself may be long)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp() // 60))


# /mydata ----------------------------------------------------------------------------------


def _copy(ctx: Context) -> tuple[bytes, dict[str, int], int]:
    """The member's data as a JSON file, and its row count per table."""
    data = ctx.store.privacy.member_data(ctx.sender.key)
    recorded = ctx.store.privacy.recorded_for_others(ctx.sender.key)
    document: dict[str, object] = {
        "member": ctx.sender.key,
        "name": ctx.sender.name,
        "exported_at": ctx.now().isoformat(timespec="seconds"),
        "about": "Everything assobot stores about you under your account. Secret ballots "
        "appear only as 'has voted': your choice was never stored with your name. Rows you "
        "recorded about other people (attendance, proxies, roll names) are theirs: only "
        "counted, in 'recorded_for_others'.",
        "tables": data,
    }
    if recorded:
        document["recorded_for_others"] = recorded
    content = json.dumps(document, ensure_ascii=False, indent=1, default=str)
    counts = {table: len(rows) for table, rows in data.items()}
    return content.encode("utf-8"), counts, sum(recorded.values())


def _summary(ctx: Context, counts: dict[str, int], recorded: int = 0) -> str:
    lines = [ctx.t("What assobot stores about you, by table (the attached file has it all):")]
    if not counts:
        lines = [ctx.t("assobot stores nothing about you but your name and your rooms.")]
    lines += [f"• {table}: {ctx.voice.number(n)}" for table, n in sorted(counts.items())]
    if recorded:
        lines.append(
            ctx.tn(
                "You also recorded {n} entry about another member (an attendance, a proxy, a "
                "name on the roll): it is theirs, so it is only counted here.",
                "You also recorded {n} entries about other members (attendance, proxies, "
                "names on the roll): they are theirs, so they are only counted here.",
                recorded,
            )
        )
    lines.append(ctx.t("To erase it: {command}.", command="/" + ctx.command_name("forgetme")))
    return "\n".join(lines)


@router.command(
    "mydata",
    "mesdonnees",
    help=_("Receive, in private, everything the bot stores about you."),
)
async def mydata_command(ctx: Context) -> None:
    content, counts, recorded = _copy(ctx)
    attachment = Attachment("assobot-my-data.json", content, "application/json")
    out = Outgoing(_summary(ctx, counts, recorded), attachment=attachment)
    if ctx.room.private:
        await ctx.send(ctx.room.key, out)
        return
    private = await ctx.private_room()
    delivery = await ctx.send(private, out) if private else None
    if delivery is not None and delivery.ok:
        await ctx.reply(ctx.t("{name}, I sent you your data in private.", name=ctx.sender.name))
        return
    await ctx.reply(
        ctx.t(
            "{name}, I cannot write to you in private: open a private chat with me and send "
            "{command} there (your data is never posted in a group).",
            name=ctx.sender.name,
            command="/" + ctx.command_name("mydata"),
        )
    )


# /forgetme --------------------------------------------------------------------------------


@router.command(
    "forgetme",
    "oubliemoi",
    help=_("Erase what the bot stores about you, after a confirmation."),
)
async def forgetme_command(ctx: Context) -> None:
    tag, stamp = _member_tag(ctx.sender.key), _stamp(ctx.now())
    buttons = [
        [Button(ctx.t("Erase, keep my links anonymous"), f"{BUTTON}:anon:{tag}:{stamp}")],
        [Button(ctx.t("Erase, delete my links"), f"{BUTTON}:del:{tag}:{stamp}")],
        [Button(ctx.t("Cancel"), f"{BUTTON}:no:{tag}:{stamp}")],
    ]
    text = "\n".join(
        [
            ctx.t("{name}, this erases what the bot stores about you:", name=ctx.sender.name),
            ctx.t("• your reminders, subscriptions, organizer roles and private chats;"),
            ctx.t("• your votes in open polls (closed polls keep them as anonymous counts);"),
            ctx.t("• your name on what you created (announcements, events, room reminders);"),
            ctx.t("• your links: anonymous or deleted, as you choose."),
            ctx.t("It cannot be undone. Only you can confirm, within the hour."),
        ]
    )
    await ctx.reply(text, buttons)


def secret_kept(ctx: Context) -> str:
    """Why an open secret ballot still knows the member voted."""
    return ctx.t(
        "In open secret ballots, the bot keeps only that you have voted (never what) until "
        "they close, so that nobody votes twice; your choice was never stored with your name."
    )


def forget_sentences(ctx: Context, report: ForgetReport) -> list[str]:
    """What /forgetme did, what it kept, and why."""
    if report.substantive == 0:
        lines = [ctx.t("There was nothing left to erase: the bot stores nothing under your name.")]
        if report.secret_marks_kept:
            lines.append(secret_kept(ctx))
        return lines
    lines = [ctx.t("Done: your data is erased.")]
    if report.open_votes_removed:
        lines.append(
            ctx.tn(
                "{n} vote in an open poll removed.",
                "{n} votes in open polls removed.",
                report.open_votes_removed,
            )
        )
    if report.closed_votes_kept:
        lines.append(
            ctx.tn(
                "{n} vote in a closed poll kept as an anonymous count (a decision taken "
                "does not change).",
                "{n} votes in closed polls kept as anonymous counts (a decision taken "
                "does not change).",
                report.closed_votes_kept,
            )
        )
    if report.secret_marks_kept:
        lines.append(secret_kept(ctx))
    if report.links_deleted:
        lines.append(ctx.tn("{n} link deleted.", "{n} links deleted.", report.links_deleted))
    if report.links_anonymised:
        lines.append(
            ctx.tn(
                "{n} link kept without your name.",
                "{n} links kept without your name.",
                report.links_anonymised,
            )
        )
    if report.reminders_deleted:
        lines.append(
            ctx.tn(
                "{n} personal reminder deleted.",
                "{n} personal reminders deleted.",
                report.reminders_deleted,
            )
        )
    if report.legal_records:
        lines.append(
            ctx.t(
                "General assembly records (attendance, proxies, minutes) keep your name: the "
                "association must keep them for several years; your account is unlinked."
            )
        )
    if report.checked_out:
        lines.append(
            ctx.t(
                "You have left the general assembly in session (the attendance sheet keeps "
                "your name and times); check in again with /{present} to take part as a new "
                "member.",
                present=ctx.command_name("present"),
            )
        )
    if report.proxies_withdrawn:
        lines.append(
            ctx.tn(
                "The proxy you gave for a general assembly is withdrawn.",
                "The proxies you gave for general assemblies are withdrawn.",
                report.proxies_withdrawn,
            )
        )
    if report.lapsed:
        lines.append(
            ctx.tn(
                "The proxy you held no longer counts; {names} is told.",
                "The proxies you held no longer count; {names} are told.",
                len(report.lapsed),
                names=", ".join(p.giver_name for p in report.lapsed),
            )
        )
    if report.roll_names_kept:
        lines.append(
            ctx.tn(
                "{n} name you put on the members' roll stays, without your name: it is "
                "another member's.",
                "{n} names you put on the members' roll stay, without your name: they are "
                "other members'.",
                report.roll_names_kept,
            )
        )
    lines.append(ctx.t("If you write here again, the bot will see you again as a new member."))
    return lines


@router.button(BUTTON)
async def forget_press(ctx: Context) -> None:
    choice, _sep, rest = ctx.text.partition(":")
    tag, _sep, stamp = rest.partition(":")
    if tag != _member_tag(ctx.sender.key):
        if not await ctx.reply_privately(
            ctx.t("Only the member who asked can confirm this erasure.")
        ):
            return
        return
    if choice == "no":
        await ctx.reply(ctx.t("Cancelled: nothing was erased."))
        return
    links = CHOICES.get(choice)
    if links is None or not stamp.isdigit() or len(stamp) > 12:
        return  # forged data
    asked = datetime.fromtimestamp(int(stamp) * 60, tz=ctx.now().tzinfo)
    if ctx.now() - asked > timedelta(minutes=CONFIRM_MINUTES):
        raise Refusal(
            "This confirmation has expired: send {command} again.",
            command="/" + ctx.command_name("forgetme"),
        )
    report = ctx.store.privacy.forget(ctx.sender.key, links, ctx.now())
    # What the repositories keep in memory may name the member (a voice at an open assembly,
    # a poll's creator): read again from the database.
    ctx.store.assembly.forget_cached()
    ctx.store.polls.forget_cached()
    await ctx.reply("\n".join(forget_sentences(ctx, report)))
    await _tell_givers(ctx, report.lapsed)


async def _tell_givers(ctx: Context, lapsed: list[LapsedProxy]) -> None:
    """Each member whose proxy a forgotten member held learns it no longer counts: in private
    where possible, else in the assembly's room (a name on the roll has no private chat)."""
    in_room: dict[str, list[LapsedProxy]] = {}
    for proxy in lapsed:
        text = ctx.t(
            "Your proxy to {holder} for the general assembly no longer counts: {holder} has "
            "left it. Give it to another member with /{proxy} @member, or attend yourself.",
            holder=proxy.holder_name,
            proxy=ctx.command_name("proxy"),
        )
        private = None
        if ":" in proxy.giver_key and not proxy.giver_key.startswith(("roll:", "forgotten:")):
            private = await ctx.private_room(proxy.giver_key)
        delivery = await ctx.send(private, Outgoing(text)) if private else None
        if delivery is None or not delivery.ok:
            in_room.setdefault(proxy.room_key, []).append(proxy)
    for room_key, proxies in in_room.items():
        await ctx.send(
            room_key,
            Outgoing(
                ctx.tn(
                    "{names}: the proxy given to {holder} no longer counts ({holder} has left "
                    "the general assembly). Give it to another member with /{proxy} @member, "
                    "or attend yourself.",
                    "{names}: the proxies given to {holder} no longer count ({holder} has left "
                    "the general assembly). Give them to other members with /{proxy} @member, "
                    "or attend yourselves.",
                    len(proxies),
                    names=", ".join(p.giver_name for p in proxies),
                    holder=proxies[0].holder_name,
                    proxy=ctx.command_name("proxy"),
                )
            ),
        )


# /privacy ---------------------------------------------------------------------------------


def privacy_text(ctx: Context) -> str:
    """What the bot stores, for how long, who can see it, how to get or erase it."""
    settings = ctx.settings(DataSettings)
    votes = (
        ctx.t("kept with the poll for ever")
        if settings.vote_names_days == 0
        else ctx.tn(
            "removed {n} day after the poll closes (the counts stay)",
            "removed {n} days after the poll closes (the counts stay)",
            settings.vote_names_days,
        )
    )
    links = (
        ctx.t("kept for ever")
        if settings.links_days == 0
        else ctx.tn(
            "kept {n} day",
            "kept {n} days",
            settings.links_days,
        )
    )
    command = ctx.command_name
    return "\n".join(
        [
            ctx.t("What this bot stores, and for how long:"),
            ctx.t("• your name and account id, and the rooms where you wrote;"),
            ctx.t("• who voted what in public and anonymous polls: {votes};", votes=votes),
            ctx.t(
                "• secret ballots: only that you voted, never what (the choice is counted "
                "apart from any name);"
            ),
            ctx.t("• the links you share: {links};", links=links),
            ctx.t("• reminders and events, until they end or are cancelled;"),
            *(
                [
                    ctx.t(
                        "• on the web page: your personal voting links, as a fingerprint only "
                        "(the page keeps no log of visits);"
                    )
                ]
                if ctx.config.web.enabled
                else []
            ),
            ctx.tn(
                "• general assemblies (attendance, proxies, minutes): at least {n} year.",
                "• general assemblies (attendance, proxies, minutes): at least {n} years.",
                settings.assembly_years,
            ),
            ctx.t(
                "Who can see it: the members of the association's rooms see what is shown in "
                "them (never an anonymous or secret vote); the organizers can export the "
                "association's data; the person who hosts the bot holds the database."
            ),
            ctx.t(
                "Your rights: {mydata} sends you your data in private; {forgetme} erases it.",
                mydata="/" + command("mydata"),
                forgetme="/" + command("forgetme"),
            ),
        ]
    )


@router.command(
    "privacy",
    "confidentialite",
    help=_("What the bot stores about members, for how long, and who can see it."),
)
async def privacy_command(ctx: Context) -> None:
    await ctx.reply(privacy_text(ctx))


# /export ----------------------------------------------------------------------------------


@router.command(
    "export",
    "exporter",
    help=_("Receive the association's data as an archive file (organizers)."),
    organizer=True,
)
async def export_command(ctx: Context) -> None:
    if ctx.room.private:
        raise Refusal("Ask for the export in one of the association's rooms.")
    association = ctx.room.association_id
    content, manifest = await asyncio.to_thread(
        association_zip, ctx.store.privacy.reader, association, now=ctx.now()
    )
    limit = ctx.settings(DataSettings).export_max_mb * MB
    if len(content) > limit:
        raise Refusal(
            "The archive is too large to send here ({size} MB): ask the person who hosts the "
            "bot to run « assobot export ».",
            size=ctx.voice.number(round(len(content) / MB, 1)),
        )
    rows = sum(manifest.tables.values())
    name = f"assobot-export-{ctx.now().strftime('%Y-%m-%d')}.zip"
    text = ctx.t(
        "The association's data: {tables} tables, {rows} rows, as JSON and CSV, with the "
        "calendar and the decision register. Secret ballots appear only as counts; members' "
        "personal reminders are not included.",
        tables=ctx.voice.number(len(manifest.tables)),
        rows=ctx.voice.number(rows),
    )
    await ctx.reply(text, attachment=Attachment(name, content, "application/zip"))
