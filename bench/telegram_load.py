"""Telegram under load, through python-telegram-bot and the fake Bot API server on loopback.

(a) 1,000 members tap a poll's vote buttons within about one second: time until every tap is
    acknowledged (answerCallbackQuery), how many editMessageText calls the poll message got
    (target: at most about one per second, not one per vote), and every vote counted once.
(b) One message to each of 1,000 chats while the fake server enforces 30 messages/s overall:
    achieved rate as a fraction of the limit (target ≥ 0.95) and 429s received (target 0).

Run: ``.venv/bin/python bench/telegram_load.py [N] [--bench-router]``. Prints figures; asserts
only correctness. Uses the polls feature (``/sondage``) when it is installed (or, with
``--bench-router`` or without it, a small bench-only router whose button handler records the
vote and edits the message through a one-second debounce).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.context import Context
from bot.message import Button, Outgoing
from bot.router import Router
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_app import TelegramWorld


def bench_poll_router() -> tuple[Router, Callable[[], dict[str, str]]]:
    """A one-question poll: a tap records the member's vote; the message is re-rendered at
    most once per second (a debounce), whatever the number of taps."""
    router = Router("benchpoll")
    votes: dict[str, str] = {}
    state: dict[str, object] = {"pending": None}
    buttons = ((Button("Oui", "bp:yes"), Button("Non", "bp:no")),)

    @router.command("benchpoll", "bancpoll", help="Start the bench poll.")
    async def start(ctx: Context) -> None:
        await ctx.reply("Pizza ? 0 votes", buttons)

    @router.button("bp")
    async def tap(ctx: Context) -> None:
        votes[ctx.sender.key] = ctx.text
        if state["pending"] is not None:
            return

        async def render() -> None:
            await asyncio.sleep(1.0)
            state["pending"] = None
            yes = sum(1 for v in votes.values() if v == "yes")
            text = f"Pizza ? {len(votes)} votes (oui {yes}, non {len(votes) - yes})"
            await ctx.edit(ctx.room.key, ctx.message.message_id, Outgoing(text, buttons))

        state["pending"] = asyncio.ensure_future(render())

    return router, lambda: votes


async def taps_within_a_second(n: int, folder: Path, *, use_polls: bool = True) -> None:
    fake = FakeTelegram()
    await fake.start()
    world = TelegramWorld(fake, folder / "a")
    try:
        from handlers import ROUTERS

        polls = next((r for r in ROUTERS if r.feature == "polls" and use_polls), None)
        votes_of: Callable[[], int]
        if polls is not None:
            await world.start_bot()
            command, what = "/sondage Pizza ? | Oui | Non", "the polls feature (/sondage)"
        else:
            router, votes = bench_poll_router()
            await world.start_bot(routers=[*ROUTERS, router])
            command, what = "/benchpoll", "a bench-only router (polls feature not installed)"
        await world.reply_to(world.group, world.alice, command)
        poll_message = next(m for m in fake.sent(world.group) if "reply_markup" in m)
        keyboard = poll_message["reply_markup"]["inline_keyboard"]
        data = [button["callback_data"] for row in keyboard for button in row]
        app = world.app
        assert app is not None
        if polls is not None:
            poll_id = int(data[0].split(":")[1])
            store = app.store

            def poll_votes() -> int:
                return int(store.polls.voter_count(poll_id))  # type: ignore[attr-defined]

            votes_of = poll_votes
        else:
            votes_of = lambda: len(votes())  # noqa: E731
        members = [fake.user(f"Membre {i}", username=f"membre{i}") for i in range(n)]
        edits_before = len(fake.calls_to("editMessageText"))
        answered_before = len(fake.answered)
        started = time.monotonic()
        for i, member in enumerate(members):  # spread over about one second
            fake.tap(world.group, member, poll_message["message_id"], data[i % 2])
            if i % 100 == 99:
                await asyncio.sleep(0.05)
        taps_sent = time.monotonic() - started
        await fake.wait_for(
            lambda: len(fake.answered) - answered_before >= n, timeout=300, what="answers"
        )
        acknowledged = time.monotonic() - started
        await fake.wait_for(lambda: votes_of() >= n, timeout=300, what="votes")
        counted = time.monotonic() - started
        await asyncio.sleep(2.5)  # let the last debounced edit go out
        edits = [c for c in fake.calls_to("editMessageText")][edits_before:]
        span = (edits[-1].at - edits[0].at) if len(edits) > 1 else 0.0
        print(f"(a) {n} taps on one poll via {what}")
        print(f"    taps queued in {taps_sent:.2f} s")
        print(f"    all taps acknowledged after {acknowledged:.2f} s")
        print(f"    all votes counted after {counted:.2f} s: {votes_of()} votes (expected {n})")
        print(
            f"    editMessageText calls: {len(edits)} during {counted:.1f} s of voting, "
            f"first to last {span:.1f} s apart (one per vote would be {n})"
        )
        assert votes_of() == n, "every vote counted exactly once"
    finally:
        await world.stop_bot()
        await fake.stop()


async def fan_out(n: int, folder: Path, limit: float = 30.0) -> None:
    fake = FakeTelegram()
    await fake.start()
    world = TelegramWorld(fake, folder / "b")
    try:
        await world.start_bot()
        app = world.app
        assert app is not None
        chats = [fake.private_chat(fake.user(f"Abonné {i}")) for i in range(n)]
        fake.limit_rate(limit)
        started = time.monotonic()
        sends: list[Awaitable[object]] = [
            app.send(f"telegram:{chat}", Outgoing(f"Résumé de la semaine n°{i}"))
            for i, chat in enumerate(chats)
        ]
        deliveries = await asyncio.gather(*sends)
        elapsed = time.monotonic() - started
        ok_calls = [c for c in fake.calls_to("sendMessage")]
        window = ok_calls[-1].at - ok_calls[0].at
        rate = (len(ok_calls) - 1) / window if window else float("inf")
        failed = [d for d in deliveries if not getattr(d, "ok", False)]
        print(f"(b) one message to each of {n} chats, fake server enforcing {limit:.0f}/s")
        print(f"    delivered {len(ok_calls)} in {elapsed:.1f} s, failed {len(failed)}")
        print(f"    achieved {rate:.2f} messages/s = {rate / limit:.3f} of the limit")
        print(f"    429 responses received: {fake.rate_limited}")
        assert len(ok_calls) == n and not failed, "every chat got its message once"
        assert sorted(c.params["chat_id"] for c in ok_calls) == sorted(chats)
    finally:
        await world.stop_bot()
        await fake.stop()


async def main(n: int, use_polls: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        await taps_within_a_second(n, Path(folder), use_polls=use_polls)
        await fan_out(n, Path(folder))


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    asyncio.run(main(int(numbers[0]) if numbers else 1000, "--bench-router" not in sys.argv))
