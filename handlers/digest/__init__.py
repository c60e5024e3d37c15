"""The digest: one summary of an association's week instead of a flood, sent exactly once.

Parts (lowest first): ``schedule`` (due times across daylight-saving changes), ``compose``
(pure: records to sections and messages), ``delivery`` (reads, the paced and claimed fan-out),
then ``commands`` (/digest, /resume).
"""

from __future__ import annotations

from bot.router import Router
from handlers.digest import archive, commands, delivery
from handlers.digest.settings import DigestSettings

router = (
    Router("digest", settings=DigestSettings)
    .include(commands.router, delivery.router)
    .include(archive.router)
)
