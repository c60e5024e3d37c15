"""2,000 members outside the chats vote by personal link within one minute, against the running
bot (its web page in its own event loop), while a member keeps typing commands in the chat.

The bot runs here (console adapter, real clock, web page on 127.0.0.1); the members' browsers
are a separate process (aiohttp client) so the load does not share the bot's CPU time slice
more than a real one would. Each member opens their link (GET), votes (POST, 303) and reads the
confirmation (GET): three pages per vote. Behind a reverse proxy each member is their own
address (its own /64), so the client sends ``X-Forwarded-For`` from the 2001:db8::/32
documentation prefix
(a header only: every request goes to 127.0.0.1).

Prints: votes/s sustained, page latency p50/p99 (target p99 <= 50 ms), the chat's command
latency before and during the storm (target: at most 10 % worse), and whether every vote was
counted once.

    .venv/bin/python bench/web_votes.py [--members 2000 --seconds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PUBLIC = "https://asso.example.org"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


# The members' side (a separate process) -------------------------------------------------------


async def _client(base: str, links: list[str], seconds: float) -> dict[str, object]:
    import aiohttp

    csrf_field = re.compile(r'<input[^>]*name="csrf"[^>]*>')
    csrf_value = re.compile(r'value="([0-9a-f]+)"')
    latencies: list[float] = []
    failures: list[str] = []
    votes = 0
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def timed(method: str, url: str, **kw: object) -> tuple[int, str]:
            start = time.perf_counter()
            async with http.request(method, url, allow_redirects=False, **kw) as response:  # type: ignore[arg-type]
                body = await response.text()
            latencies.append(time.perf_counter() - start)
            return response.status, body

        async def member(index: int, link: str) -> None:
            nonlocal votes
            headers = {"X-Forwarded-For": f"2001:db8:{index:x}::1", "Accept-Language": "fr"}
            url = base + link
            status, page = await timed("GET", url, headers=headers)
            field = csrf_field.search(page)
            token = csrf_value.search(field.group(0)) if field else None
            if status != 200 or token is None:
                failures.append(f"GET {status}")
                return
            form = {"csrf": token.group(1), "choice": str(1 + index % 2)}
            status, _ = await timed("POST", url, data=form, headers=headers)
            if status != 303:
                failures.append(f"POST {status}")
                return
            votes += 1
            status, page = await timed("GET", url + "?done=1", headers=headers)
            if status != 200 or "confirmation" not in page:
                failures.append(f"confirmation {status}")

        started = time.perf_counter()
        tasks = []
        for index, link in enumerate(links):
            due = started + seconds * index / len(links)
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(member(index, link)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {
        "votes": votes,
        "elapsed": elapsed,
        "pages": len(latencies),
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies, default=0) * 1000,
        "failures": failures[:10],
        "failed": len(failures),
    }


# The bot's side --------------------------------------------------------------------------------


async def _chat_latency(
    app: object, say: object, count: int, every: float
) -> tuple[list[float], list[float]]:
    """Type ``count`` commands, one each ``every`` seconds, alternately one that writes
    (``/annonce``: a durable write and a reply) and one that only reads (``/langue``); each
    one's latency counts from the moment it was due (a busy loop delays its start too)."""
    writes: list[float] = []
    reads: list[float] = []
    start = time.perf_counter()
    for index in range(count):
        due = start + index * every
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if index % 2:
            await say("/langue")  # type: ignore[operator]
            reads.append(time.perf_counter() - due)
        else:
            await say(f"/annonce bench {index}")  # type: ignore[operator]
            writes.append(time.perf_counter() - due)
    return writes, reads


async def run(members: int, seconds: float) -> None:
    from bot.adapters.console import ConsoleAdapter
    from bot.app import App
    from bot.config import WebConfig, load_config
    from bot.message import Delivery, Incoming, Member, Outgoing, Room
    from handlers.polls.results import load_tally

    data = Path(tempfile.mkdtemp(prefix="assobot-web-"))
    web = WebConfig(enabled=True, listen="127.0.0.1", port=0, public_url=PUBLIC)
    config = replace(load_config(None, env={}), data_dir=data, web=web)
    app = App(config)
    console = ConsoleAdapter(app)
    app.add_adapter(console)
    await app.start()
    assert app.web is not None
    room = Room("console", "asso", "asso")
    secretary = Member("console", "sec", "Secrétaire", "sec")
    console.state.admins.setdefault("asso", set()).add("sec")
    files: list[bytes] = []
    original_send = app.services.send

    async def keeping_send(room_key: str, out: Outgoing) -> Delivery:
        if out.attachment is not None:
            files.append(out.attachment.content)
        return await original_send(room_key, out)

    app.services.send = keeping_send

    async def say(text: str) -> None:
        await app.receive(Incoming(room, secretary, text, app.clock.now(), sender_is_admin=True))

    await say("/sondage Local de l'association : on déménage ? | Oui | Non")
    for first in range(0, members, 100):  # /membres ajouter takes 100 names a message
        names = "\n".join(f"Adhérent·e {i:04d}" for i in range(first, min(members, first + 100)))
        await say(f"/membres ajouter {names}")
    poll = app.store.polls.latest_open_in_room("console:asso")
    assert poll is not None
    started = time.perf_counter()
    await say(f"/liens-vote {poll.id}")
    issued = time.perf_counter() - started
    text = b"".join(files).decode("utf-8-sig")
    links = sorted(set(re.findall(re.escape(PUBLIC) + r"(/v/[A-Za-z0-9_-]{20,})", text)))
    print(f"{len(links)} personal links issued by /liens-vote in {issued:.2f} s")
    assert len(links) == members, f"expected {members} links, got {len(links)}"

    baseline = await _chat_latency(app, say, 400, 0.05)
    links_file = data / "links.json"
    links_file.write_text(json.dumps(links))
    client = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        app.web.base_url,
        str(links_file),
        str(seconds),
        stdout=subprocess.PIPE,
    )
    during = await _chat_latency(app, say, int(seconds / 0.05), 0.05)
    out, _ = await client.communicate()
    figures = json.loads(out)
    await asyncio.sleep(1.5)  # the last debounced refresh of the poll message
    tally = load_tally(app.services, poll)
    counted = sum(tally.counts.values())
    await app.stop()

    print(
        f"votes: {figures['votes']} of {members} in {figures['elapsed']:.1f} s -> "
        f"{figures['votes'] / figures['elapsed']:.1f} votes/s sustained "
        f"({figures['pages']} pages, {figures['failed']} failed {figures['failures']})"
    )
    print(
        f"page latency: p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms "
        f"(target <= 50 ms), max {figures['max_ms']:.1f} ms"
    )
    for kind, before, while_voting in (
        ("/annonce (writes)", baseline[0], during[0]),
        ("/langue (reads)", baseline[1], during[1]),
    ):
        b50, b99 = _percentile(before, 0.5) * 1000, _percentile(before, 0.99) * 1000
        d50, d99 = _percentile(while_voting, 0.5) * 1000, _percentile(while_voting, 0.99) * 1000
        mean = 100 * (statistics.mean(while_voting) / statistics.mean(before) - 1)
        print(
            f"chat {kind}: before p50 {b50:.2f} ms p99 {b99:.2f} ms; during p50 {d50:.2f} ms "
            f"p99 {d99:.2f} ms -> p50 {100 * (d50 / b50 - 1):+.1f} %, mean {mean:+.1f} % "
            "(target: at most +10 %)"
        )
    print(f"counted in the poll: {counted} votes from {tally.voters} voters (expected {members})")


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--client":
        base, path, seconds = sys.argv[2], sys.argv[3], float(sys.argv[4])
        links = json.loads(Path(path).read_text())
        print(json.dumps(asyncio.run(_client(base, links, seconds))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=50.0)
    args = parser.parse_args()
    asyncio.run(run(args.members, args.seconds))


if __name__ == "__main__":
    main()
