"""Start-up as a member lives it: process launch → the first reply to a command.

Starts the real ``assobot run`` process (``python -m bot run --config …``) against a local
Synapse (saved session and encryption store present: a warm-up run logs in, joins the room and
answers once first) and against the fake Bot API (tests/fakes/telegram_api.py), with 0, 1,000 and
100,000 reminders stored. A member sends ``!aide`` (``/aide`` on Telegram) as soon as the process
is launched and repeats it every 0.25 s until the bot answers. Prints, per platform and size, the
time from launch to the first reply (median of the rounds and min–max), the peak RSS of the bot
process at that moment (VmHWM) and the import time of the same command line
(``-X importtime``, a separate run); then the console: launch → first reply to ``/aide`` typed on
standard input. Rounds alternate over the sizes so all see the same machine load.

``--peer`` also installs matrix-reminder-bot 0.4.0 in a virtualenv under the bench's temporary
folder (skipped with a message when the package index cannot be reached) and measures it the
same way on the same Synapse (``!help``), printing the ratio.

    .venv/bin/python bench/startup.py [--rounds 5] [--sizes 0,1000,100000] [--only matrix]
    .venv/bin/python bench/startup.py --peer

Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
# As installed: byte code cached (PYTHONDONTWRITEBYTECODE would compile every module of the
# project from source at each start, about 0.4 s here, which no deployment pays).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
REPEAT_SECONDS = 0.25
ANSWER_WAIT = 60.0


# Stored reminders -----------------------------------------------------------------------------


def template(folder: Path, count: int) -> Path:
    """A data folder holding ``count`` reminders (made once, copied for each platform)."""
    from bench.reminders_scale import fill

    data = folder / f"template-{count}"
    if not (data / "assobot.db").exists():
        data.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        fill(data, count)
        print(f"  {count:,} reminders stored in {time.perf_counter() - began:.1f} s", flush=True)
    return data


def copy_database(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("assobot.db", "assobot.db-wal", "assobot.db-shm"):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)


def write_config(path: Path, data_dir: Path, section: str) -> Path:
    path.write_text(
        f'data_dir = "{data_dir}"\nlanguage = "fr"\ntimezone = "Europe/Paris"\n'
        f'log_level = "INFO"\n\n{section}\n',
        encoding="utf-8",
    )
    return path


# One measured start ---------------------------------------------------------------------------


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process used so far (less sensitive than wall time to
    other work on the machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


class Result:
    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.rss: list[float] = []
        self.cpu: list[float] = []
        self.imports: float | None = None

    def line(self, label: str) -> str:
        if not self.seconds:
            return f"{label:<28} no answer"
        spread = f"{min(self.seconds):.2f}–{max(self.seconds):.2f}"
        imports = "" if self.imports is None else f", imports {self.imports:.2f} s"
        return (
            f"{label:<28} first reply {statistics.median(self.seconds):.2f} s "
            f"({spread}, n={len(self.seconds)}), CPU {statistics.median(self.cpu):.2f} s, "
            f"peak RSS {statistics.median(self.rss):.0f} MB{imports}"
        )


async def measure(
    command: list[str],
    *,
    env: dict[str, str],
    log: Path,
    ask: Callable[[], Awaitable[None]],
    answered: Callable[[], bool],
    settle: Callable[[], Awaitable[None]],
    cwd: Path = ROOT,
) -> tuple[float, float, float] | None:
    """Launch, ask until answered; return (seconds to the first reply, peak RSS MB, CPU
    seconds used by then)."""
    with log.open("ab") as err:
        began = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        next_ask = 0.0
        while time.perf_counter() - began < ANSWER_WAIT:
            if time.perf_counter() >= next_ask:
                await ask()
                next_ask = time.perf_counter() + REPEAT_SECONDS
            if answered():
                seconds = time.perf_counter() - began
                rss = peak_rss_mb(process.pid)
                cpu = cpu_seconds(process.pid)
                await settle()
                return seconds, rss, cpu
            if process.poll() is not None:
                print(f"    the process exited ({process.returncode}); see {log}")
                return None
            await asyncio.sleep(0.003)
        print(f"    no answer within {ANSWER_WAIT:.0f} s; see {log}")
        return None
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def import_seconds(command: list[str], env: dict[str, str], seconds: float = 5.0) -> float:
    """Sum of the top-level import times of one run of ``command`` (``-X importtime``, which
    itself slows imports a little), stopped after ``seconds``; the bench's loop keeps serving
    (the fake Bot API lives in it)."""
    process = subprocess.Popen(
        [command[0], "-X", "importtime", *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    await asyncio.sleep(seconds)
    process.kill()
    _out, err = await asyncio.to_thread(process.communicate)
    total = 0
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        name = parts[2]
        if name.startswith(" ") and not name.startswith("  ") and parts[1].strip().isdigit():
            total += int(parts[1])
    return total / 1e6


async def quiet(seen: Callable[[], int], seconds: float = 1.0) -> None:
    """Until no new reply for ``seconds`` (the repeated commands are all answered)."""
    count, since = seen(), time.perf_counter()
    deadline = since + 15
    while time.perf_counter() - since < seconds and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
        if seen() != count:
            count, since = seen(), time.perf_counter()


# Telegram -------------------------------------------------------------------------------------


async def bench_telegram(folder: Path, sizes: list[int], rounds: int) -> dict[int, Result]:
    from tests.fakes.telegram_api import FakeTelegram

    fake = FakeTelegram()
    await fake.start()
    chat = fake.group("Asso")
    alice = fake.user("Alice")
    results = {size: Result() for size in sizes}
    env = {**os.environ, "ASSOBOT_TELEGRAM_TOKEN": fake.token}
    configs = {}
    for size in sizes:
        data = folder / f"telegram-{size}"
        copy_database(template(folder, size), data)
        section = f'[telegram]\napi_base_url = "{fake.base_url}"'
        configs[size] = write_config(folder / f"telegram-{size}.toml", data, section)
    try:
        for round_ in range(rounds + 1):  # round 0 warms the disk cache and is not counted
            for size in sizes:
                before = len(fake.sent(chat))

                async def ask() -> None:
                    fake.say(chat, alice, "/aide")

                def count(before: int = before) -> int:
                    return len(fake.sent(chat)) - before

                got = await measure(
                    [PYTHON, "-m", "bot", "run", "--config", str(configs[size])],
                    env=env,
                    log=folder / f"telegram-{size}.log",
                    ask=ask,
                    answered=lambda count=count: count() > 0,  # type: ignore[misc]
                    settle=lambda count=count: quiet(count),  # type: ignore[misc]
                )
                if got is not None and round_ > 0:
                    results[size].seconds.append(got[0])
                    results[size].rss.append(got[1])
                    results[size].cpu.append(got[2])
        for size in sizes:
            results[size].imports = await import_seconds(
                [PYTHON, "-m", "bot", "run", "--config", str(configs[size])], env
            )
    finally:
        await fake.stop()
    return results


# Matrix ---------------------------------------------------------------------------------------


class Member:
    """A plain nio client in the bench's loop that notes the bot's messages."""

    def __init__(self, synapse: Any) -> None:
        self.synapse = synapse
        self.client: Any = None
        self.from_bot: dict[str, int] = {}
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> Member:
        from nio import AsyncClient, AsyncClientConfig, LoginResponse, RoomMessage

        user_id, password = self.synapse.register("alice")
        self.client = AsyncClient(
            self.synapse.url, user_id, config=AsyncClientConfig(encryption_enabled=False)
        )
        assert isinstance(await self.client.login(password), LoginResponse)
        self.client.add_event_callback(self._seen, RoomMessage)
        await self.client.sync(timeout=0, full_state=True)
        self.task = asyncio.get_running_loop().create_task(self.client.sync_forever(timeout=30000))
        return self

    async def _seen(self, room: Any, event: Any) -> None:
        if event.sender != self.client.user_id:
            self.from_bot[room.room_id] = self.from_bot.get(room.room_id, 0) + 1

    async def room_with(self, bot_user: str) -> str:
        answer = await self.client.room_create(name="Asso", invite=[bot_user])
        return str(answer.room_id)

    async def say(self, room_id: str, text: str) -> None:
        await self.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        await self.client.close()


async def run_rounds(
    member: Member,
    targets: dict[Any, tuple[list[str], dict[str, str], Path, str, Path]],
    rounds: int,
    *,
    warm_up: bool,
) -> dict[Any, Result]:
    """``targets``: key -> (command, env, log, room, cwd). Warm-up rounds are not counted."""
    results = {key: Result() for key in targets}
    first = 0 if warm_up else 1
    for round_ in range(first, rounds + 1):
        for key, (command, env, log, room, cwd) in targets.items():

            async def ask(room: str = room, key: Any = key) -> None:
                await member.say(room, "!help" if key == "peer" else "!aide")

            before = member.from_bot.get(room, 0)

            def count(room: str = room, before: int = before) -> int:
                return member.from_bot.get(room, 0) - before

            got = await measure(
                command,
                env=env,
                log=log,
                ask=ask,
                answered=lambda count=count: count() > 0,  # type: ignore[misc]
                settle=lambda count=count: quiet(count, 1.5),  # type: ignore[misc]
                cwd=cwd,
            )
            if got is not None and round_ > 0:
                results[key].seconds.append(got[0])
                results[key].rss.append(got[1])
                results[key].cpu.append(got[2])
    return results


async def bench_matrix(
    folder: Path, sizes: list[int], rounds: int, peer: bool
) -> dict[Any, Result]:
    from tests.synapse import Synapse

    synapse = Synapse(folder / "synapse")
    synapse.start()
    member: Member | None = None
    try:
        member = await Member(synapse).start()
        targets: dict[Any, tuple[list[str], dict[str, str], Path, str, Path]] = {}
        for size in sizes:
            bot_user, password = synapse.register("assobot")
            data = folder / f"matrix-{size}"
            copy_database(template(folder, size), data)
            section = f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{bot_user}"'
            config = write_config(folder / f"matrix-{size}.toml", data, section)
            env = {**os.environ, "ASSOBOT_MATRIX_PASSWORD": password}
            room = await member.room_with(bot_user)
            command = [PYTHON, "-m", "bot", "run", "--config", str(config)]
            targets[size] = (command, env, folder / f"matrix-{size}.log", room, ROOT)
        if peer:
            prepared = await prepare_peer(folder, synapse, member)
            if prepared is not None:
                targets["peer"] = prepared
        # Round 0 logs in, joins the room and answers once: later starts have a saved session,
        # a resume point and an encryption store, as after any restart.
        results = await run_rounds(member, targets, rounds, warm_up=True)
        for size in sizes:
            command, env, *_rest = targets[size]
            results[size].imports = await import_seconds(command, env)
        return results
    finally:
        if member is not None:
            await member.stop()
        synapse.stop()


# The peer: matrix-reminder-bot 0.4.0 ---------------------------------------------------------


async def prepare_peer(
    folder: Path, synapse: Any, member: Member
) -> tuple[list[str], dict[str, str], Path, str, Path] | None:
    venv = folder / "peer-venv"
    if not (venv / "bin" / "matrix-reminder-bot").exists():
        print("  installing matrix-reminder-bot 0.4.0 in", venv, flush=True)
        subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
        done = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "matrix-reminder-bot==0.4.0"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(
                "  --peer skipped: could not install matrix-reminder-bot 0.4.0 "
                f"({done.stderr.strip().splitlines()[-1:] or done.returncode})"
            )
            return None
    bot_user, password = synapse.register("reminderbot")
    work = folder / "peer"
    work.mkdir(exist_ok=True)
    config = {
        "matrix": {
            "user_id": bot_user,
            "user_password": password,
            "homeserver_url": synapse.url,
            "device_id": "PEERBENCH",
            "device_name": "reminder-bot",
        },
        "storage": {"database": f"sqlite://{work / 'bot.db'}", "store_path": str(work / "store")},
        "command_prefix": "!",
        "logging": {
            "level": "WARNING",
            "file_logging": {"enabled": False, "filepath": str(work / "bot.log")},
            "console_logging": {"enabled": True},
        },
        "reminders": {"timezone": "Europe/Paris"},
        "allowlist": {"enabled": False, "regexes": []},
        "blocklist": {"enabled": False, "regexes": []},
    }
    path = work / "config.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    room = await member.room_with(bot_user)
    command = [str(venv / "bin" / "matrix-reminder-bot"), str(path)]
    return command, dict(os.environ), folder / "peer.log", room, work


# Console --------------------------------------------------------------------------------------


async def bench_console(folder: Path, rounds: int) -> Result:
    result = Result()
    config = write_config(folder / "console.toml", folder / "console", "")
    command = [PYTHON, "-m", "bot", "run", "--config", str(config)]
    for round_ in range(rounds + 1):
        began = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"/aide\n")
        process.stdin.flush()
        line = await asyncio.to_thread(process.stdout.readline)
        seconds = time.perf_counter() - began
        rss = peak_rss_mb(process.pid)
        cpu = cpu_seconds(process.pid)
        process.stdin.close()
        await asyncio.to_thread(process.wait, 20)
        if line and round_ > 0:
            result.seconds.append(seconds)
            result.rss.append(rss)
            result.cpu.append(cpu)
    result.imports = await import_seconds(command, dict(os.environ), 2.0)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="0,1000,100000")
    parser.add_argument("--only", choices=("matrix", "telegram", "console"), default=None)
    parser.add_argument("--peer", action="store_true", help="also matrix-reminder-bot 0.4.0")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="assobot-startup-"))
    print(f"work folder: {folder}", flush=True)
    try:
        if args.only in (None, "console"):
            print("console:", flush=True)
            print("  " + (await bench_console(folder, args.rounds)).line("console"), flush=True)
        if args.only in (None, "telegram"):
            print("telegram (fake Bot API):", flush=True)
            for size, result in (await bench_telegram(folder, sizes, args.rounds)).items():
                print("  " + result.line(f"{size:,} reminders"), flush=True)
        if args.only in (None, "matrix"):
            print("matrix (local Synapse):", flush=True)
            results = await bench_matrix(folder, sizes, args.rounds, args.peer)
            for key, result in results.items():
                label = "matrix-reminder-bot 0.4.0" if key == "peer" else f"{key:,} reminders"
                print("  " + result.line(label), flush=True)
            peer = results.get("peer")
            if peer is not None and peer.seconds:
                ours = statistics.median(results[sizes[0]].seconds)
                theirs = statistics.median(peer.seconds)
                print(f"  ratio ours/peer (empty database): {ours / theirs:.2f}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
