"""People in a general assembly: names typed by members (checked and clipped), and finding a
person from a handle, a member's name or a name on the roll (added when missing)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.text import clip, fold
from storage.assembly import ROLL_PREFIX, AssemblyRecord

NAME_LIMIT = 80  # a person's name, as typed
ROLL_CAP = 5000  # names an association may add to its roll
PASTE_CAP = 100  # names added by one message


class NotOnRoll(Refusal):
    """A name that is neither a member seen nor on the roll (and was not to be added)."""

    def __init__(self, name: str) -> None:
        super().__init__(_("{name} is not on the roll."), name=name)
        self.name = name


@dataclass(frozen=True, slots=True)
class Person:
    """Someone found or added: their person key, their name, whether just added to the roll."""

    key: str
    name: str
    added: bool = False


def clean_name(text: str) -> str:
    """A person's name typed by a member: invisible characters dropped, spaces folded; a name
    with control characters, a ``|`` or longer than the limit is refused."""
    if any(unicodedata.category(c) == "Cc" and c not in " \t" for c in text):
        raise UsageError("A name cannot contain control characters or line breaks.")
    name = clip(text, NAME_LIMIT + 1)
    if not name:
        raise UsageError("Give a name, like Odile Martin.")
    if len(name) > NAME_LIMIT:
        raise UsageError("A name is limited to {n} characters.", n=NAME_LIMIT)
    if "|" in name:
        raise UsageError("A name cannot contain “|”.")
    return name


def folded(name: str) -> str:
    """How two spellings of a name compare (case, accents, spaces)."""
    return " ".join(fold(name).split())


def split_names(text: str) -> list[str]:
    """Names pasted one per line (or separated by « ; »), empty lines skipped."""
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]


def _members(ctx: Context, handle: str) -> list[tuple[str, str]]:
    """Members of the association matching a handle, as ``(key, name)``: one indexed query,
    and the scan of every room's members only for a non-ASCII name that may differ by case."""
    found = ctx.store.assembly.members_named(ctx.room.association_id, handle)
    if found or handle.isascii():
        return found
    seen: dict[str, str] = {}
    for room in ctx.store.rooms.linked_to(ctx.room.key):
        for member in ctx.store.members.find_in_room(room.key, handle):
            seen.setdefault(member.key, member.name)
    return list(seen.items())


def find_person(
    ctx: Context, text: str, *, add: bool = True, now: datetime | None = None
) -> Person:
    """The person named by ``@handle``, a member's name or a name on the roll; a name or a
    handle not known yet is added to the roll (when ``add``, at ``now``), else ``NotOnRoll``."""
    association = ctx.room.association_id
    name = clean_name(text)
    members = _members(ctx, name)
    if len(members) > 1:
        raise Refusal("Several members are called {name}: use their @username.", name=name)
    if members:
        key, member_name = members[0]
        tie(ctx, key, (name, member_name))
        return Person(key, member_name)
    store = ctx.store.assembly
    entry = store.find_name(association, folded(name))
    if entry is not None:
        return Person(entry.key, entry.name)
    if not add:
        raise NotOnRoll(name)
    if store.roll_names(association) >= ROLL_CAP:
        raise Refusal("The roll is full ({n} names).", n=ROLL_CAP)
    moment = now or ctx.now()
    entry = store.ensure_name(association, name, folded(name), ctx.sender.key, moment)
    return Person(entry.key, entry.name, added=True)


def tie(ctx: Context, member_key: str, names: tuple[str, ...]) -> bool:
    """A name (or @handle) put on the roll before this member wrote in the chat is them: what
    was recorded under the name moves to the member. Whether anything was tied."""
    store = ctx.store.assembly
    tied = False
    for name in dict.fromkeys(folded(n) for n in names if n):
        entry = store.find_name(ctx.room.association_id, name)
        if entry is None or entry.entry_id is None or entry.member_key is not None:
            continue
        # A name that votes by personal link is someone outside the chat: a chat member who
        # takes the same display name must not take her vote (an organizer revokes the link
        # once she joins the chat; her next check-in ties them).
        if ctx.store.web.has_live_link(entry.key):
            continue
        tied = store.tie(ctx.room.association_id, entry.entry_id, member_key) or tied
    return tied


def tie_sender(ctx: Context) -> bool:
    """The sender's own name or @handle on the roll is them (see ``tie``)."""
    handle = f"@{ctx.sender.username}" if ctx.sender.username else ""
    return tie(ctx, ctx.sender.key, (ctx.sender.name, handle))


def is_officer(ctx: Context, assembly: AssemblyRecord) -> bool:
    """An organizer of the association's rooms, the chair or the secretary of the session (also
    when named by an @handle before they wrote in the chat)."""
    if ctx.sender.key in (assembly.chair_key, assembly.secretary_key):
        return True
    handle = folded(f"@{ctx.sender.username}") if ctx.sender.username else None
    named = {
        folded(name)
        for key, name in (
            (assembly.chair_key, assembly.chair_name),
            (assembly.secretary_key, assembly.secretary_name),
        )
        if key and key.startswith(ROLL_PREFIX)
    }
    if handle is not None and handle in named:
        return True
    return not ctx.room.private and ctx.is_organizer


def require_officer(ctx: Context, assembly: AssemblyRecord) -> None:
    if not is_officer(ctx, assembly):
        raise Refusal("Only an organizer, the chair or the secretary can do this.")
