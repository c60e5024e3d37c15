"""Reading a digest's records and sending every due digest once (claimed, then recorded).

A periodic job looks every five minutes for subscriptions whose latest due time has passed with
no send for that period (also at start: a digest due while the bot was down goes out if its
period has not ended). Each send is claimed in ``digest_sends`` before the first message and
each message is recorded as it goes, so a crash re-sends at most the message in flight.
The fan-out is paced and awaits between sends: commands are handled meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.context import RoomVoice, Services
from bot.message import Outgoing
from bot.router import Router
from handlers.digest.compose import COMING_DAYS, Digest, DigestData, FeedEntry, compose, render
from handlers.digest.schedule import Cadence
from handlers.digest.settings import DigestSettings
from storage.digests import SubscriptionRecord

router = Router("digest")
log = logging.getLogger(__name__)
BLOCKED = "blocked"  # Delivery.error when the member blocked the bot


def cadence_of(subscription: SubscriptionRecord) -> Cadence:
    return Cadence(
        subscription.cadence,
        subscription.weekday,
        subscription.hour,
        subscription.minute,
        subscription.timezone,
    )


def associations(services: Services, room_key: str, member_key: str) -> list[int]:
    """What a digest covers: a room's association, or for a private chat every association
    of the rooms the member was seen in."""
    room = services.store.rooms.get(room_key)
    if room is None:
        return []
    if room.private:
        return services.store.digests.member_associations(member_key)
    return [room.association_id]


def read_data(
    services: Services, association_ids: Sequence[int], since: datetime, until: datetime
) -> DigestData:
    """Every record of the period (and the week after it, for what is coming up)."""
    store = services.store
    digests = store.digests
    edits = digests.edits(association_ids)
    horizon = until + timedelta(days=COMING_DAYS)
    entries: list[FeedEntry] = []
    for association_id in association_ids:
        entries.extend(store.feeds.entries_between(association_id, since, until))
    return DigestData(
        since=since,
        until=until,
        events=digests.events(association_ids, until, horizon),
        reminders=digests.reminders(association_ids, until, horizon),
        polls=digests.polls(association_ids, since, until),
        announcements=digests.announcements(association_ids, since, until),
        links=digests.links(association_ids, since, until, [i for i, _at in edits.pinned]),
        feed_entries=entries,
        edits=edits,
        private_rooms=digests.private_rooms(association_ids),
    )


def voice_of(services: Services, subscription: SubscriptionRecord) -> RoomVoice:
    """The subscriber's language and timezone, chosen when subscribing."""
    return RoomVoice(
        services.translator, subscription.language, subscription.timezone, services.commands
    )


@dataclass(slots=True)
class DigestCache:
    """What a fan-out shares between subscribers: the records of each association and period,
    and each digest composed (the same for every room of an association speaking the same
    language, but for a room marked private)."""

    data: dict[tuple[tuple[int, ...], datetime, datetime], DigestData] = field(
        default_factory=dict
    )
    digests: dict[tuple[object, ...], Digest] = field(default_factory=dict)


def build(
    services: Services,
    voice: RoomVoice,
    room_key: str,
    association_ids: Sequence[int],
    since: datetime,
    until: datetime,
    cache: DigestCache | None = None,
) -> Digest:
    """The digest of a period for one room; ``cache`` shares the work between subscribers
    during a fan-out."""
    cache = cache if cache is not None else DigestCache()
    key = (tuple(association_ids), since, until)
    data = cache.data.get(key)
    if data is None:
        data = cache.data[key] = read_data(services, association_ids, since, until)
    own = room_key if room_key in data.private_rooms else ""
    composed_key = (*key, voice.language, voice.timezone, own)
    digest = cache.digests.get(composed_key)
    if digest is None:
        settings = services.config.feature(DigestSettings)
        digest = cache.digests[composed_key] = compose(
            data,
            voice,
            room_key=room_key,
            max_items=settings.max_items,
            feed_entries=settings.feed_entries,
        )
    return digest


async def deliver_due(services: Services) -> int:
    """Send every digest due and not sent yet; the number of messages sent."""
    store = services.store
    settings = services.config.feature(DigestSettings)
    gap = 1.0 / settings.sends_per_second
    loop = asyncio.get_running_loop()
    next_send = loop.time()
    cache = DigestCache()
    sent = 0
    # Periods last a week at most: what was finished in the last eight days is skipped with
    # no write (every five minutes, for every subscription).
    finished = store.digests.finished_since(services.clock.now() - timedelta(days=8))
    for subscription in store.digests.active():
        now = services.clock.now()
        cadence = cadence_of(subscription)
        due = cadence.latest(now)
        if due <= subscription.created_at:
            continue  # the first digest is the one due after subscribing
        period = cadence.period(due)
        if (subscription.id, period) in finished:
            continue
        since = cadence.previous(due)
        claim = store.digests.claim(subscription.id, period, since, due, now)
        if claim is None:
            continue
        voice = voice_of(services, subscription)
        ids = associations(services, subscription.room_key, subscription.member_key)
        digest = build(services, voice, subscription.room_key, ids, since, due, cache)
        if digest.empty:
            store.digests.finish(claim.id, "empty", "", now)
            continue
        messages = render(digest, voice, limit=settings.message_chars)
        state = "sent"
        for index in range(claim.parts_sent, len(messages)):
            await asyncio.sleep(max(0.0, next_send - loop.time()))
            next_send = max(next_send + gap, loop.time())
            delivery = await services.send(
                subscription.room_key, Outgoing(messages[index], link_preview=False)
            )
            if delivery.error == BLOCKED:
                store.digests.mark_blocked(subscription.id, services.clock.now())
                state = BLOCKED
                break
            if not delivery.ok:
                log.warning(
                    "digest %s for %s not delivered: %s",
                    claim.period,
                    subscription.room_key,
                    delivery.error,
                )
                state = "sending"  # retried at the next run, from this message
                store.digests.release(claim.id)
                break
            sent += 1
            store.digests.part_sent(claim.id, index + 1, "\n\n".join(messages[: index + 1]))
        if state != "sending":
            store.digests.finish(claim.id, state, "\n\n".join(messages), services.clock.now())
    return sent


@router.on_start
async def catch_up(services: Services) -> None:
    """At start: number this run, then send what fell due while the bot was down (or was
    left half sent) in the background, without holding up the start."""
    services.store.digests.new_boot(services.clock.now())

    async def run() -> None:
        await deliver_due(services)

    services.scheduler.at("digest:catch-up", services.clock.now(), run)


@router.every(timedelta(minutes=5))
async def send_digests(services: Services, due: datetime) -> None:
    """Every five minutes (and at start): send the digests due."""
    await deliver_due(services)
