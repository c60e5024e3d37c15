"""``assobot export DIR``: every table as JSON and CSV, the calendar, the register and the
manifest; what must never leave the database (secret ballots' voters, anonymous voters,
personal reminders) stays in."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.data.conftest import populate
from tests.harness import Harness

ASSOBOT = Path(sys.executable).parent / "assobot"


def export(data_dir: Path, *args: str) -> int:
    return main(["export", "--data-dir", str(data_dir), *args])


def load(folder: Path, table: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads((folder / f"{table}.json").read_text("utf-8"))
    return rows


async def test_export_round_trip_counts_and_content(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    out = tmp_path / "export"

    status = export(data_dir, str(out))

    assert 0 == status
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    db = sqlite3.connect(data_dir / "assobot.db")
    for table, count in manifest["tables"].items():
        rows = load(out, table)
        assert count == len(rows), table
        with (out / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
            assert count + 1 == len(list(csv.reader(handle))), table
        if table in ("polls", "links", "events", "poll_options"):
            assert count == db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    questions = [row["question"] for row in load(out, "polls")]
    assert ["Lieu ?", "Couleur ?", "Trésorier ?", "Date ?"] == questions
    assert manifest["schema"].startswith("m")
    assert {"calendar.ics", "decisions.md", "README.txt"} <= set(os.listdir(out))


async def test_export_keeps_secret_voters_anonymous_voters_and_personal_reminders_in(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    out = tmp_path / "export"

    export(data_dir, str(out))

    assert not (out / "secret_voters.json").exists()
    assert [{"poll_id": 3, "voters": 1}] == load(out, "secret_ballot_counts")
    ballots = load(out, "ballots")
    assert [("", "")] == [(b["voter_key"], b["voter_name"]) for b in ballots if b["poll_id"] == 2]
    assert ["Bob", "Carol"] == [b["voter_name"] for b in ballots if b["poll_id"] == 1]
    everything = "".join(path.read_text("utf-8", "replace") for path in out.iterdir())
    assert "facture OVH" not in everything
    assert "Réunion" in (out / "calendar.ics").read_text("utf-8")


async def test_export_include_personal_puts_them_in(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    out = tmp_path / "export"

    export(data_dir, str(out), "--include-personal")

    assert "facture OVH" in (out / "calendar.ics").read_text("utf-8")
    assert any("facture OVH" in str(row["text"]) for row in load(out, "reminders"))


async def test_export_ics_leaves_personal_reminders_out_by_default(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    plain, personal = tmp_path / "a.ics", tmp_path / "b.ics"

    export(data_dir, "--ics", "--output", str(plain))
    export(data_dir, "--ics", "--include-personal", "--output", str(personal))

    assert "facture OVH" not in plain.read_text("utf-8")
    assert "Réunion" in plain.read_text("utf-8")
    assert "facture OVH" in personal.read_text("utf-8")


async def test_export_association_keeps_only_that_association(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    await bot.say("/sondage Ailleurs ? | Oui | Non", member="zoe", room="autre")
    one, two = tmp_path / "one", tmp_path / "two"

    assert 0 == export(data_dir, str(one), "--association", "1")
    assert 0 == export(data_dir, str(two), "--association", "2")

    assert "Ailleurs ?" not in [row["question"] for row in load(one, "polls")]
    assert ["Ailleurs ?"] == [row["question"] for row in load(two, "polls")]
    assert ["autre"] == [row["key"].split(":")[1] for row in load(two, "rooms")]
    assert {"Zoe"} == {row["name"] for row in load(two, "members")}


async def test_export_csv_cells_are_safe_for_spreadsheets(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await bot.say('/sondage =HYPERLINK("http://x") | A | B', member="alice", room="asso")
    out = tmp_path / "export"

    export(data_dir, str(out))

    text = (out / "polls.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert '=HYPERLINK("http://x")' == load(out, "polls")[0]["question"]


async def test_export_decision_register_lists_closed_polls(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    out = tmp_path / "export"

    export(data_dir, str(out))

    register = (out / "decisions.md").read_text("utf-8")
    assert "## Poll 1: Lieu ?" in register
    assert "- Salle A: 1" in register
    assert "Couleur" not in register


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "1e9", "99999999999999999999", ""])
def test_export_association_not_a_number_is_refused(
    bad: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        export(data_dir, str(tmp_path / "x"), "--association", bad)

    assert 2 == stop.value.code
    assert "is not an association number" in capsys.readouterr().err


async def test_export_unknown_association_is_one_line(
    bot: Harness, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await populate(bot)

    assert 2 == export(data_dir, str(tmp_path / "x"), "--association", "77")
    assert "assobot: no association number 77\n" == capsys.readouterr().err
    assert not (tmp_path / "x").exists()


async def test_export_into_a_folder_with_files_is_refused(
    bot: Harness, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("mine")

    assert 2 == export(data_dir, str(out))
    assert "already holds files" in capsys.readouterr().err
    assert ["keep.txt"] == os.listdir(out)


async def test_export_into_an_empty_folder_works(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "empty"
    out.mkdir()

    assert 0 == export(data_dir, str(out))
    assert (out / "manifest.json").is_file()


async def test_export_onto_a_file_is_refused(
    bot: Harness, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file"
    target.write_text("x")

    assert 2 == export(data_dir, str(target))
    assert "is a file, not a folder" in capsys.readouterr().err
    assert "x" == target.read_text()


async def test_export_into_a_folder_not_writable_is_refused(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await bot.say("/sondage Pizza ? | Oui | Non")
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    # The real command in its own process; root writes through file permissions, so it runs
    # without capabilities (as in tests/test_startup_storage.py) and the folder stays locked.
    unprivileged = ["setpriv", "--bounding-set=-all", "--"] if os.geteuid() == 0 else []
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOBOT_")}
    try:
        result = subprocess.run(
            [
                *unprivileged,
                str(ASSOBOT),
                "export",
                "--data-dir",
                str(data_dir),
                str(parent / "out"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    finally:
        parent.chmod(0o700)
    assert 2 == result.returncode, result.stderr
    assert "permission denied" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert [] == list(parent.iterdir())


def test_export_without_a_database_is_one_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == export(data_dir, str(tmp_path / "x"))
    assert f"assobot: no database at {data_dir / 'assobot.db'}\n" == capsys.readouterr().err


def test_export_without_folder_nor_format_is_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == export(data_dir)
    assert "export needs a folder" in capsys.readouterr().err


async def test_export_of_an_empty_table_is_valid_json(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"

    export(data_dir, str(out))

    assert [] == load(out, "links")
    assert io.StringIO((out / "links.csv").read_text("utf-8-sig")).readline().startswith("id,")


async def test_export_calendar_has_skipped_dates_as_exdate(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    await bot.say("/sauter 1", member="alice", room="asso")
    out = tmp_path / "export"

    export(data_dir, str(out))

    calendar = (out / "calendar.ics").read_text("utf-8")
    assert "RRULE:FREQ=WEEKLY" in calendar
    assert "EXDATE;TZID=Europe/Paris:20261207T090000" in calendar
    assert 1 == calendar.count("BEGIN:VTIMEZONE")


async def test_export_anonymous_ballots_have_no_time_either(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await populate(bot)
    out = tmp_path / "export"

    export(data_dir, str(out))

    times = [b["cast_at"] for b in load(out, "ballots")]
    assert [True, True, False, True] == [bool(t) for t in times]


async def test_export_on_a_terminal_shows_progress_and_still_writes(
    bot: Harness,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sys

    await populate(bot)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    out = tmp_path / "export"

    assert 0 == export(data_dir, str(out))
    assert "tables" in capsys.readouterr().err
    assert 4 == len(load(out, "polls"))
