"""The daily retention job and the bot's own scheduled backups."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.context import Services
from bot.router import Router
from handlers.data.settings import DataSettings
from storage.backup import BackupError, scheduled

router = Router("data")
log = logging.getLogger(__name__)

# Platform event ids are only needed to drop a redelivered update: a month is plenty.
PROCESSED_EVENTS_DAYS = 30


async def apply_retention(services: Services, now: datetime) -> None:
    """Reduce old votes to counts, drop old links when asked, prune technical rows."""
    settings = services.config.feature(DataSettings)
    privacy = services.store.privacy
    if settings.vote_names_days:
        privacy.reduce_votes(now - timedelta(days=settings.vote_names_days), assembly=False)
    privacy.reduce_votes(now - timedelta(days=settings.assembly_challenge_days), assembly=True)
    if settings.links_days:
        privacy.prune_links(now - timedelta(days=settings.links_days))
    privacy.prune_processed_events(now - timedelta(days=PROCESSED_EVENTS_DAYS))
    # Who has a voice at an assembly is kept in memory: read it again after these deletions.
    services.store.assembly.forget_cached()


@router.every(at=time(4, 20))
async def retention(services: Services, due: datetime) -> None:
    """Apply the retention rules once a day."""
    await apply_retention(services, services.clock.now())


@router.every(timedelta(hours=1))
async def backups(services: Services, due: datetime) -> None:
    """A backup at the configured hour, when a backup folder is set."""
    settings = services.config.feature(DataSettings)
    if not settings.backup_folder:
        return
    local = due.astimezone(ZoneInfo(services.config.timezone))
    if local.hour != settings.backup_hour:
        return
    folder = Path(settings.backup_folder)
    if not folder.is_absolute():
        folder = services.config.data_dir / folder
    try:
        report = await asyncio.to_thread(
            scheduled, services.config.database_path, folder, due, settings.backup_keep
        )
    except BackupError as error:
        log.error("scheduled backup failed: %s", error)
        return
    log.info("scheduled backup written: %s (%d bytes)", report.path, report.size)
