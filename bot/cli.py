"""The ``assobot`` command: run, check-config, export (a folder, --ics, --links), backup,
restore, --version."""

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
        help="write the association's data into a new folder (JSON and CSV per table, "
        "calendar, decision register, manifest), or with --ics / --links one file "
        "(works while the bot runs)",
    )
    export.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=None,
        help="new (or empty) folder to write the full export into",
    )
    what = export.add_mutually_exclusive_group()
    what.add_argument("--ics", action="store_true", help="export as iCalendar (RFC 5545)")
    what.add_argument(
        "--links",
        action="store_true",
        help="export the shared links as a Netscape bookmarks HTML file (browsers, Shaarli)",
    )
    export.add_argument(
        "--output", type=Path, default=None, help="file to write (default: standard output)"
    )
    export.add_argument(
        "--association",
        type=_association_id,
        default=None,
        metavar="ID",
        help="only this association's data (its number: see the manifest of a full export)",
    )
    export.add_argument(
        "--include-personal",
        action="store_true",
        help="include members' personal reminders (left out by default: they are theirs)",
    )
    backup = commands.add_parser(
        "backup",
        help="copy the database into FILE through SQLite's online backup (safe while the bot "
        "runs) and check the copy",
    )
    backup.add_argument("file", type=Path, help="new file to write")
    restore = commands.add_parser(
        "restore",
        help="replace the database with FILE (a backup); refused while the bot runs; the "
        "current database is kept aside",
    )
    restore.add_argument("file", type=Path, help="a backup written by assobot backup")
    for sub in (run, check, export, backup, restore):
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
        if args.ics:
            return _export(config, args.output, include_personal=args.include_personal)
        if args.folder is None:
            print(
                "assobot: export needs a folder (assobot export DIR), or --ics or --links",
                file=sys.stderr,
            )
            return 2
        return _export_folder(config, args.folder, args.association, args.include_personal)
    if args.command == "backup":
        return _backup(config, args.file)
    if args.command == "restore":
        return _restore(config, args.file)
    setup_logging(config.log_level, config.secrets())
    return _run(config, console=args.console)


def _association_id(text: str) -> int:
    """An association's number on the command line."""
    if not text.strip().isdigit() or len(text.strip()) > 12:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an association number (e.g. 1)")
    return int(text)


def _export(config: Config, output: Path | None, *, include_personal: bool = False) -> int:
    """The .ics of every event and active reminder; members' personal reminders only when
    the host asks (they belong to their owner, not to the association)."""
    from datetime import UTC, datetime

    from bot.ics import agenda
    from storage.events import EventRepo
    from storage.reminders import ReminderRepo

    def build(db: Any) -> tuple[bytes, str]:
        reminders = [
            reminder
            for reminder in ReminderRepo(db).active()
            if include_personal or not reminder.personal
        ]
        skipped = ReminderRepo(db).skipped([r.id for r in reminders if r.rule])
        content = agenda(EventRepo(db).active(), reminders, datetime.now(UTC), skipped)
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


def _export_folder(
    config: Config, folder: Path, association: int | None, include_personal: bool
) -> int:
    """The full export into a new folder, with a progress bar on a terminal."""
    from bot.export import ExportError, export_folder
    from storage.events import open_read_only
    from storage.export import association_ids

    try:
        db = open_read_only(config.database_path)
    except FileNotFoundError:
        print(f"assobot: no database at {config.database_path}", file=sys.stderr)
        return 2
    try:
        if association is not None and association not in association_ids(db):
            print(f"assobot: no association number {association}", file=sys.stderr)
            return 2
        with _Progress() as progress:
            manifest = export_folder(
                db, folder, association, include_personal=include_personal, progress=progress
            )
    except ExportError as error:
        print(f"assobot: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # an old or damaged database: say so, no traceback
        print(f"assobot: cannot read {config.database_path}: {error}", file=sys.stderr)
        return 2
    finally:
        db.close()
    rows = sum(manifest.tables.values())
    print(
        f"{folder}: {len(manifest.tables)} tables, {rows} rows, "
        f"{manifest.calendar_items} calendar items, {manifest.decisions} decisions",
        file=sys.stderr,
    )
    return 0


class _Progress:
    """A progress bar (rows written per table) on a terminal; nothing otherwise."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Callable[[str, int], None] | None:
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.bar.start()
        return self.update

    def update(self, table: str, rows: int) -> None:
        if table not in self.tasks:
            self.tasks[table] = self.bar.add_task(table, total=None)
        self.bar.update(self.tasks[table], completed=rows, description=f"{table}: {rows}")

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _backup(config: Config, target: Path) -> int:
    """A checked copy of the live database."""
    import time

    from storage.backup import BackupError, backup

    started = time.monotonic()
    try:
        report = backup(config.database_path, target)
    except BackupError as error:
        print(f"assobot: {error}", file=sys.stderr)
        return 2
    took = time.monotonic() - started
    print(
        f"{target}: backup written and checked ({report.size} bytes, {report.tables} tables, "
        f"schema {report.migration}, {took:.1f} s)",
        file=sys.stderr,
    )
    return 0


def _restore(config: Config, source: Path) -> int:
    """Replace the database with a backup, keeping the current one aside."""
    from datetime import UTC, datetime

    from storage.backup import BackupError, restore

    try:
        aside = restore(config.database_path, source, datetime.now(UTC))
    except BackupError as error:
        print(f"assobot: cannot restore: {error}", file=sys.stderr)
        return 2
    except DatabaseLocked:
        print(
            "assobot: cannot restore while the bot runs on this data folder: stop it first",
            file=sys.stderr,
        )
        return 3
    except OSError as error:
        print(f"assobot: cannot restore: {error.strerror or error}", file=sys.stderr)
        return 2
    kept = f"; the previous database is kept as {aside}" if aside else ""
    print(f"{config.database_path}: restored from {source}{kept}", file=sys.stderr)
    return 0


def _run(config: Config, *, console: bool) -> int:
    from bot.app import build, skip_unused_imports

    skip_unused_imports(config)  # parts of the platform libraries the bot never uses

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
