"""The ``assobot`` command: run, check-config, export --ics | --links, --version."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import __version__
from bot.config import Config, ConfigError, load_config
from bot.logs import setup_logging
from storage.db import DatabaseLocked
from storage.store import StorageUnavailable

DEFAULT_CONFIG = Path("config.toml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assobot",
        description="A chat bot for associations: polls, reminders, links and digests.",
    )
    parser.add_argument("--version", action="version", version=f"assobot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the bot")
    check = commands.add_parser("check-config", help="validate the configuration and exit")
    export = commands.add_parser(
        "export",
        help="write the .ics calendar of every event and reminder, or the shared links as a "
        "bookmarks file (works while the bot runs)",
    )
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--ics", action="store_true", help="export as iCalendar (RFC 5545)")
    what.add_argument(
        "--links",
        action="store_true",
        help="export the shared links as a Netscape bookmarks HTML file (browsers, Shaarli)",
    )
    export.add_argument(
        "--output", type=Path, default=None, help="file to write (default: standard output)"
    )
    for sub in (run, check, export):
        sub.add_argument(
            "--config",
            type=Path,
            default=None,
            help="TOML file (default: ./config.toml if present, or ASSOBOT_CONFIG)",
        )
        sub.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="folder of the SQLite database (overrides config and env)",
        )
    run.add_argument(
        "--console",
        action="store_true",
        help="use the terminal adapter even when platforms are configured",
    )
    return parser


def feature_settings() -> dict[str, type[Any]]:
    """Each served feature's settings section and the class it declared (``Router(settings=)``)."""
    from handlers import ROUTERS

    return {router.feature: router.settings for router in ROUTERS if router.settings is not None}


def _config(args: argparse.Namespace) -> Config:
    path: Path | None = args.config
    if path is None and os.environ.get("ASSOBOT_CONFIG"):
        path = Path(os.environ["ASSOBOT_CONFIG"])
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    config = load_config(path, features=feature_settings())
    if args.data_dir is not None:
        config = replace(config, data_dir=args.data_dir)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as error:
        print(f"assobot: {error}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        platforms = ", ".join(config.platforms) or "console"
        print(
            f"{config.source}: OK (data: {config.database_path}; platforms: {platforms}; "
            f"language {config.language}; timezone {config.timezone})"
        )
        return 0
    if args.command == "export":
        if args.links:
            return _export_links(config, args.output)
        return _export(config, args.output)
    setup_logging(config.log_level, config.secrets())
    return _run(config, console=args.console)


def _export(config: Config, output: Path | None) -> int:
    """The .ics of every event and active reminder."""
    from datetime import UTC, datetime

    from bot.ics import agenda
    from storage.events import EventRepo
    from storage.reminders import ReminderRepo

    def build(db: Any) -> tuple[bytes, str]:
        content = agenda(EventRepo(db).active(), ReminderRepo(db).active(), datetime.now(UTC))
        return content, "calendar written"

    return _write_export(config, output, build)


def _export_links(config: Config, output: Path | None) -> int:
    """Every shared link as a bookmarks file."""
    from bot.bookmarks import bookmarks_html
    from storage.links import LinkRepo

    def build(db: Any) -> tuple[bytes, str]:
        links = list(LinkRepo(db).export())
        return bookmarks_html(links), f"{len(links)} links written"

    return _write_export(config, output, build)


def _write_export(
    config: Config, output: Path | None, build: Callable[[Any], tuple[bytes, str]]
) -> int:
    """Open the database read-only (no lock: the bot may be running), build the file, write
    it to ``output`` or standard output; a missing or unreadable database is one line."""
    from storage.events import open_read_only

    try:
        db = open_read_only(config.database_path)
    except FileNotFoundError:
        print(f"assobot: no database at {config.database_path}", file=sys.stderr)
        return 2
    try:
        content, done = build(db)
    except Exception as error:  # an old or damaged database: say so, no traceback
        print(f"assobot: cannot read {config.database_path}: {error}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        output.write_bytes(content)
        print(f"{output}: {done}", file=sys.stderr)
    return 0


def _run(config: Config, *, console: bool) -> int:
    from bot.app import build

    async def serve() -> None:
        app = build(config, console=console, output=sys.stdout)
        await app.run()

    try:
        asyncio.run(serve())
    except ConfigError as error:
        print(f"assobot: {error}", file=sys.stderr)
        return 2
    except DatabaseLocked as error:
        print(f"assobot: {error}", file=sys.stderr)
        return 3
    except StorageUnavailable as error:  # one line naming the path and the problem
        print(f"assobot: cannot use the database: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
