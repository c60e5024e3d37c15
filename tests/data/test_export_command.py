"""``/export`` in a room: the association's archive as a zip file, for organizers only."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from handlers.data import commands
from tests.data.conftest import populate
from tests.harness import Harness


async def test_export_sends_the_associations_zip(bot: Harness) -> None:
    await populate(bot)
    await bot.say("/sondage Ailleurs ? | Oui | Non", member="zoe", room="autre")

    replies = await bot.say("/exporter", member="alice", room="asso")

    attachment = bot.sent[-1].out.attachment
    assert attachment is not None
    assert "application/zip" == attachment.mime
    archive = zipfile.ZipFile(io.BytesIO(attachment.content))
    manifest = json.loads(archive.read("manifest.json"))
    polls = json.loads(archive.read("polls.json"))
    assert 1 == manifest["association"]
    assert ["Lieu ?", "Couleur ?", "Trésorier ?", "Date ?"] == [p["question"] for p in polls]
    assert "secret_voters.json" not in archive.namelist()
    assert b"facture OVH" not in b"".join(archive.read(n) for n in archive.namelist())
    assert "Les données de l'association" in replies[0]


async def test_export_is_for_organizers(bot: Harness) -> None:
    await populate(bot)
    before = len(bot.sent)

    replies = await bot.say("/export", member="bob", room="asso")

    assert all(s.out.attachment is None for s in bot.sent[before:])
    assert "organisateur" in replies[0]


async def test_export_in_a_private_chat_is_refused(bot: Harness) -> None:
    bot.organizer("bob", "dm-bob")

    replies = await bot.say("/export", member="bob", room="dm-bob")

    assert ["Demandez l'export dans un des salons de l'association."] == replies


async def test_export_too_large_for_the_chat_says_ask_the_host(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await populate(bot)
    monkeypatch.setattr(commands, "MB", 100)  # a limit of 100 bytes
    before = len(bot.sent)

    replies = await bot.say("/export", member="alice", room="asso")

    assert all(s.out.attachment is None for s in bot.sent[before:])
    assert "trop grande" in replies[0] and "assobot export" in replies[0]
