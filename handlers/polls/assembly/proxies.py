"""Proxies for a general assembly (/procuration while one is convened or in session): a
member's own proxy, or a paper proxy recorded by the secretary (``Odile Martin → Paul
Durand``); a name not seen yet goes on the roll only when an organizer or the secretary
records it (a member names a member), and goes again with the proxy; the statutes' cap, no
chains; a giver who checks in votes again."""

from __future__ import annotations

import re
from datetime import datetime

from bot.context import Context
from bot.errors import Refusal, UsageError
from handlers.polls.assembly.people import (
    NotOnRoll,
    Person,
    find_person,
    folded,
    is_officer,
    require_officer,
    tie_sender,
)
from handlers.polls.assembly.session import schedule_refresh
from handlers.polls.requests import WITHDRAW_WORDS, norm
from storage.assembly import AssemblyRecord, AssemblyStatus

_ARROW = re.compile(r"\s*(?:->|→|=>|⇒)\s*|\s+(?:à|to)\s+", re.IGNORECASE)


def split_pair(text: str) -> tuple[str, str] | None:
    """``giver → holder`` (also ``->``, ``à``, ``to``), or None when there is no arrow."""
    parts = _ARROW.split(text.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return None
    return parts[0].strip(), parts[1].strip()


def applies(ctx: Context) -> AssemblyRecord | None:
    """The assembly a /procuration is for: one convened or in session in the association,
    unless the member names a motion (``/procuration @bob 14``: a proxy for that motion)."""
    if ctx.room.private:
        return None
    words = list(ctx.args)
    if len(words) == 2 and words[1].lstrip("#").isdigit() and words[0].startswith("@"):
        return None
    return ctx.store.assembly.current(ctx.room.association_id)


async def assembly_proxy(ctx: Context, assembly: AssemblyRecord) -> None:
    """Handle /procuration for an assembly."""
    text = ctx.text.strip()
    words = text.split()
    if not words:
        await _show(ctx, assembly)
        return
    if norm(words[0]) in WITHDRAW_WORDS:
        rest = " ".join(words[1:])
        if rest:
            require_officer(ctx, assembly)
            giver = find_person(ctx, rest, add=False)
        else:
            giver = Person(ctx.sender.key, ctx.sender.name)
        if not ctx.store.assembly.withdraw_proxy(assembly.id, giver.key):
            raise Refusal("{name} has given no proxy for this assembly.", name=giver.name)
        _refresh(ctx, assembly)
        await ctx.reply(ctx.t("The proxy of {name} is withdrawn.", name=giver.name))
        return
    pair = split_pair(text)
    if pair is not None and not is_officer(ctx, assembly):
        raise Refusal(
            "Only an organizer or the secretary records a paper proxy; give your own with "
            "/{proxy} @member.",
            proxy=ctx.command_name("proxy"),
        )
    found: list[Person] = []
    # The names this proxy puts on the roll carry its moment, so that replacing or taking
    # the proxy back removes them (and only them) again.
    now = ctx.now()
    try:
        if pair is not None:
            found.append(find_person(ctx, pair[0], now=now))
            found.append(find_person(ctx, pair[1], now=now))
            giver, holder = found
        else:
            tie_sender(ctx)
            giver = Person(ctx.sender.key, ctx.sender.name)
            # A member names a member (seen, or already on the roll): only an organizer or
            # the secretary puts a new name on the roll (the quorum's base).
            try:
                holder = find_person(ctx, text, add=is_officer(ctx, assembly), now=now)
            except NotOnRoll as unknown:
                raise Refusal(
                    "Nobody called {name} has written in this association yet: give your "
                    "proxy to a member; only an organizer or the secretary adds a name to "
                    "the roll.",
                    name=unknown.name,
                ) from None
            found.append(holder)
        await _give(ctx, assembly, giver, holder, pair is not None, now)
    except (Refusal, UsageError):
        # A proxy refused (the cap, a chain, a name twice) puts nobody on the roll.
        for person in found:
            if person.added:
                ctx.store.assembly.remove_name(assembly.association_id, folded(person.name))
        raise


async def _give(
    ctx: Context,
    assembly: AssemblyRecord,
    giver: Person,
    holder: Person,
    paper: bool,
    now: datetime,
) -> None:
    statutes = ctx.store.statutes.get(assembly.association_id)
    if not statutes.proxies:
        raise Refusal("The association's statutes allow no proxies.")
    if giver.key == holder.key:
        raise Refusal("Nobody can give their vote to themselves.")
    proxies = ctx.store.assembly.proxies(assembly.id)
    if any(p.giver_key == holder.key for p in proxies):
        raise Refusal(
            "{name} has given their own vote to someone else: proxies do not chain.",
            name=holder.name,
        )
    if any(p.holder_key == giver.key for p in proxies):
        raise Refusal(
            "{name} holds other members' votes and cannot give their own away.",
            name=giver.name,
        )
    own = next(
        (
            p
            for p in proxies
            if p.giver_key == giver.key and not p.paper and p.holder_key != holder.key
        ),
        None,
    )
    if paper and own is not None:
        # The member chose a holder in the chat: a paper recorded by someone else never
        # silently replaces that choice (the member or an officer withdraws it first).
        raise Refusal(
            "{giver} gave their vote to {holder} in the chat. To record this paper proxy, "
            "withdraw that one first: /{proxy} remove {giver}.",
            giver=giver.name,
            holder=own.holder_name,
            proxy=ctx.command_name("proxy"),
        )
    held = [p for p in proxies if p.holder_key == holder.key and p.giver_key != giver.key]
    if len(held) >= statutes.proxy_cap:
        raise Refusal(
            "{name} already holds the most proxies the statutes allow ({n}).",
            name=holder.name,
            n=statutes.proxy_cap,
        )
    ctx.store.assembly.give_proxy(
        assembly.id,
        giver_key=giver.key,
        giver_name=giver.name,
        holder_key=holder.key,
        holder_name=holder.name,
        paper=paper,
        recorded_by=ctx.sender.key,
        now=now,
    )
    _refresh(ctx, assembly)
    lines = [
        ctx.t("Paper proxy recorded: {giver} → {holder}.", giver=giver.name, holder=holder.name)
        if paper
        else ctx.t(
            "{holder} now votes for {giver} at this assembly.",
            giver=giver.name,
            holder=holder.name,
        )
    ]
    added = [p.name for p in (giver, holder) if p.added]
    if added:
        lines.append(ctx.t("Added to the roll: {names}.", names=", ".join(added)))
    if assembly.status is AssemblyStatus.OPEN:
        if ctx.store.assembly.is_present(assembly.id, giver.key):
            lines.append(
                ctx.t(
                    "{name} is present and votes themselves; the proxy counts once they leave.",
                    name=giver.name,
                )
            )
        if not ctx.store.assembly.is_present(assembly.id, holder.key):
            lines.append(ctx.t("{name} must check in for this proxy to count.", name=holder.name))
    else:
        lines.append(
            ctx.t(
                "If {giver} comes after all, their own presence counts and the proxy is set "
                "aside.",
                giver=giver.name,
            )
        )
    await ctx.reply("\n".join(lines))


def _refresh(ctx: Context, assembly: AssemblyRecord) -> None:
    if assembly.status is AssemblyStatus.OPEN:
        schedule_refresh(ctx.services, assembly.id)


async def _show(ctx: Context, assembly: AssemblyRecord) -> None:
    proxies = ctx.store.assembly.proxies(assembly.id)
    if not proxies:
        await ctx.reply(ctx.t("No proxy for this assembly yet."))
        return
    lines = [
        ctx.tn(
            "{n} proxy for this assembly:",
            "{n} proxies for this assembly:",
            len(proxies),
        )
    ]
    for proxy in proxies[:200]:
        mark = ctx.t(" (paper)") if proxy.paper else ""
        lines.append(f"• {proxy.giver_name} → {proxy.holder_name}{mark}")
    if len(proxies) > 200:
        lines.append(ctx.t("… and {n} more.", n=len(proxies) - 200))
    await ctx.reply("\n".join(lines))
