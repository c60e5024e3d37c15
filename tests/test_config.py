"""Configuration: every bad setting stops the start with one line naming the key."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.cli import feature_settings, main
from bot.config import SECTIONS, TOP_LEVEL, ConfigError, load_config, setting

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env=env or {}, features=feature_settings())


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (
            '[matrix] homeserver: expected an https:// or http:// URL, got "matrix.org"',
            '[matrix]\nhomeserver = "matrix.org"\nuser_id = "@bot:matrix.org"\npassword = "x"',
        ),
        (
            '[matrix] user_id: expected a Matrix user id such as "@assobot:example.org", '
            'got "bot"',
            '[matrix]\nhomeserver = "https://m.org"\nuser_id = "bot"\npassword = "x"',
        ),
        (
            "[matrix] password: missing: set password or access_token",
            '[matrix]\nhomeserver = "https://m.org"\nuser_id = "@bot:m.org"',
        ),
        ('language: expected "fr" or "en", got "de"', 'language = "de"'),
        (
            'timezone: expected an IANA time zone such as "Europe/Paris", got "Paris"',
            'timezone = "Paris"',
        ),
        (
            'log_level: expected one of DEBUG, INFO, WARNING, ERROR, got "LOUD"',
            'log_level = "LOUD"',
        ),
        (
            '[rooms] pairing_code_minutes: expected a whole number, got "15"',
            '[rooms]\npairing_code_minutes = "15"',
        ),
        (
            "[rooms] pairing_code_minutes: expected a number from 1 to 1440, got 0",
            "[rooms]\npairing_code_minutes = 0",
        ),
        (
            '[matrix] homesever: unknown setting (did you mean "homeserver"?)',
            '[matrix]\nhomesever = "https://m.org"',
        ),
        ('langage: unknown setting (did you mean "language"?)', 'langage = "fr"'),
        (
            "[telegram] token: does not look like a BotFather token",
            '[telegram]\ntoken = "secret-value"',
        ),
        (
            '[telegram] mode: expected "polling" or "webhook", got "push"',
            f'[telegram]\ntoken = "{TOKEN}"\nmode = "push"',
        ),
        (
            "[matrix] allowed_inviters: expected a list of texts",
            '[matrix]\nallowed_inviters = "@a:b"',
        ),
    ],
)
def test_bad_setting_names_the_key(tmp_path: Path, expected: str, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'config.toml'}: {expected}")
    assert "\n" not in message


def test_bad_token_is_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, '[telegram]\ntoken = "my-secret-value"')
    assert "my-secret-value" not in str(caught.value)


def test_invalid_toml_is_reported_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"invalid TOML.*line 2"):
        _load(tmp_path, 'language = "fr"\nthis is not toml')


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[matrix]\nhomeserver = "https://m.org"\nuser_id = "@bot:m.org"',
        env={"ASSOBOT_MATRIX_PASSWORD": "pw", "ASSOBOT_TELEGRAM_TOKEN": TOKEN},
    )
    assert ("pw", TOKEN) == (config.matrix.password, config.telegram.token)
    assert ("telegram", "matrix") == config.platforms
    assert "pw" not in repr(config) and TOKEN not in repr(config)


def test_data_dir_is_relative_to_the_config_file_and_env_wins(tmp_path: Path) -> None:
    assert tmp_path / "store" == _load(tmp_path, 'data_dir = "store"').data_dir
    assert (
        Path("/srv/x")
        == _load(tmp_path, 'data_dir = "store"', env={"ASSOBOT_DATA_DIR": "/srv/x"}).data_dir
    )


def test_no_platform_means_console() -> None:
    assert () == load_config(None, env={}).platforms


def test_example_config_documents_every_setting() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    text = example.read_text(encoding="utf-8")
    load_config(example, env={}, features=feature_settings())  # and it is valid
    for key in TOP_LEVEL:
        assert f"\n{key} = " in text, key
    sections = {**SECTIONS, **feature_settings()}
    assert {"polls", "reminders", "rooms"} <= set(sections)  # features declare theirs
    for section, cls in sections.items():
        assert f"[{section}]" in text, section
        body = text.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
        for field in dataclasses.fields(cls):
            assert f"\n{field.name} = " in body, f"[{section}] {field.name}"
        for key in re.findall(r"^(\w+) = ", body, re.MULTILINE):
            assert key in {f.name for f in dataclasses.fields(cls)}, f"[{section}] {key}"


def test_check_config_reports_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('language = "en"\n', encoding="utf-8")
    assert 0 == main(["check-config", "--config", str(path)])
    assert "OK" in capsys.readouterr().out


def test_check_config_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[matrix]\nhomeserver = "matrix.org"\n', encoding="utf-8")
    assert 2 == main(["check-config", "--config", str(path)])
    err = capsys.readouterr().err
    expected = '[matrix] homeserver: expected an https:// or http:// URL, got "matrix.org"'
    assert f"assobot: {path}: {expected}\n" == err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert 0 == exited.value.code
    assert capsys.readouterr().out.startswith("assobot 0.")


@dataclasses.dataclass(frozen=True, slots=True)
class DemoSettings:
    """A feature's settings as a feature declares them."""

    interval_minutes: int = setting(60, low=5, high=1440)
    style: str = setting("short", choices=("short", "long"))
    name: str = setting("x", check=lambda value: None if value else "expected a name")


DEMO = {"demo": DemoSettings}


@pytest.mark.parametrize(
    ("expected", "toml"),
    [
        (
            "[demo] interval_minutes: expected a number from 5 to 1440, got 1",
            "interval_minutes = 1",
        ),
        ('[demo] style: expected "short" or "long", got "medium"', 'style = "medium"'),
        ("[demo] name: expected a name", 'name = ""'),
        (
            '[demo] intervall_minutes: unknown setting (did you mean "interval_minutes"?)',
            "intervall_minutes = 5",
        ),
        ('[demo] interval_minutes: expected a whole number, got "5"', 'interval_minutes = "5"'),
    ],
)
def test_feature_settings_are_checked_from_their_declaration(
    tmp_path: Path, expected: str, toml: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[demo]\n{toml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={}, features=DEMO)
    assert f"{path}: {expected}" == str(error.value)


def test_feature_settings_read_as_configured_or_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[demo]\nstyle = "long"\n', encoding="utf-8")

    assert DemoSettings(style="long") == load_config(path, env={}, features=DEMO).feature(
        DemoSettings
    )
    assert DemoSettings() == load_config(None, env={}, features=DEMO).feature(DemoSettings)


def test_undeclared_feature_section_is_an_unknown_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[demo]\nstyle = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert str(error.value).startswith(f"{path}: demo: unknown setting")
