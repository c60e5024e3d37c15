"""Configuration: TOML (stdlib tomllib) into frozen dataclasses; secrets from the environment.

Every error names the file, the key and what is wrong, in one line, and never echoes a secret.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import LANGUAGES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
MATRIX_USER_ID = re.compile(r"^@[a-z0-9._=/+-]+:\S+$", re.IGNORECASE)


class ConfigError(Exception):
    """A bad setting; ``str()`` is the one line shown to the person who runs the bot."""


T = TypeVar("T")
Check = Callable[[Any], "str | None"]


def setting(
    default: T,
    *,
    low: int | None = None,
    high: int | None = None,
    choices: tuple[str, ...] = (),
    check: Check | None = None,
) -> T:
    """A field of a settings dataclass with the rule config loading checks it against: a range
    for numbers, a list of choices for texts, or a ``check`` returning the problem (or None).

    A feature declares its settings once, beside its router (``Router("polls",
    settings=PollsSettings)``); the ``[polls]`` section is validated from these declarations.
    """
    rule = {"low": low, "high": high, "choices": choices, "check": check}
    return field(default=default, metadata={"rule": rule})


def setting_problem(value: object, rule: Mapping[str, Any]) -> str | None:
    """What is wrong with ``value`` under a ``setting`` rule, or None."""
    low, high, choices, check = rule["low"], rule["high"], rule["choices"], rule["check"]
    if (low is not None or high is not None) and isinstance(value, int):
        problem = _check_range(
            value, value if low is None else low, value if high is None else high
        )
        if problem:
            return problem
    if choices and isinstance(value, str):
        problem = _check_choice(value, choices)
        if problem:
            return problem
    return check(value) if check is not None else None


def check_settings(settings: object) -> tuple[str, str] | None:
    """The first (key, problem) of a settings dataclass against its fields' rules, or None."""
    for item in fields(settings):  # type: ignore[arg-type]
        rule = item.metadata.get("rule")
        if rule is None:
            continue
        problem = setting_problem(getattr(settings, item.name), rule)
        if problem:
            return item.name, problem
    return None


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """The terminal adapter used when no platform is configured."""

    member: str = "alice"
    room: str = "asso"


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """Telegram Bot API settings; off while ``token`` is empty."""

    token: str = field(default="", repr=False)
    api_base_url: str = "https://api.telegram.org"
    mode: str = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = field(default="", repr=False)
    stale_after_minutes: int = 10

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    """Matrix account of the bot; off while ``homeserver`` is empty."""

    homeserver: str = ""
    user_id: str = ""
    password: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)
    device_name: str = "assobot"
    allowed_inviters: tuple[str, ...] = ()
    organizer_power_level: int = 50
    stale_after_minutes: int = 10

    @property
    def enabled(self) -> bool:
        return bool(self.homeserver)


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    """Timers: how often the sweeper looks for anything due and unsent."""

    sweep_seconds: int = setting(60, low=5, high=3600)


def _check_networks(entries: tuple[str, ...]) -> str | None:
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry)
        except ValueError:
            try:
                suggestion = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                return f'expected networks such as "192.168.1.0/24", got {_show(entry)}'
            return f'{_show(entry)} has host bits set (did you mean "{suggestion}"?)'
        # Everything public is already allowed: a very short prefix can only be a mistake that
        # would open the loopback, the cloud metadata address and the whole LAN at once.
        if network.prefixlen < (8 if network.version == 4 else 7):
            return f"{_show(entry)} is too broad: name the private network of the host or wiki"
    return None


def _check_hosts(entries: tuple[str, ...]) -> str | None:
    for entry in entries:
        if not re.fullmatch(r"[^\s/:@?#]{1,253}|\[?[0-9A-Fa-f:.]+\]?", entry):
            return f'expected host names such as "tracker.example.org", got {_show(entry)}'
    return None


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Outgoing HTTP (link previews, feeds): what may be fetched, how long and how much."""

    # The only way a private address (LAN, loopback…) is ever fetched: CIDRs, empty by default.
    allow_networks: tuple[str, ...] = setting((), check=_check_networks)
    # Hosts never fetched (a host name also covers its subdomains).
    deny_hosts: tuple[str, ...] = setting((), check=_check_hosts)
    timeout_seconds: int = setting(10, low=1, high=120)
    connect_seconds: int = setting(5, low=1, high=60)
    max_bytes: int = setting(1_048_576, low=1024, high=67_108_864)
    max_redirects: int = setting(3, low=0, high=10)
    max_in_flight: int = setting(4, low=1, high=64)
    max_per_host: int = setting(2, low=1, high=16)
    cache_hours: int = setting(24, low=0, high=720)


def _check_listen(value: str) -> str | None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return f'expected an IP address such as "127.0.0.1" or "::1", got {_show(value)}'
    return None


def _check_public_url(value: str) -> str | None:
    if value == "" or re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        return None
    example = '"https://asso.example.org"'
    return f"expected the address people open, such as {example}, got {_show(value)}"


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The small web page (voting links, archive, agenda), served behind a reverse proxy."""

    enabled: bool = False
    listen: str = setting("127.0.0.1", check=_check_listen)
    port: int = setting(8080, low=0, high=65535)  # 0: any free port (tests)
    # The address members open (the reverse proxy's), without a trailing slash.
    public_url: str = setting("", check=_check_public_url)
    # Per client address: members voting from one hall's Wi-Fi share theirs.
    requests_per_minute: int = setting(600, low=1, high=100_000)
    token_requests_per_minute: int = setting(30, low=1, high=10_000)  # per link


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, validated."""

    data_dir: Path = Path("data")
    language: str = "fr"
    timezone: str = "Europe/Paris"
    log_level: str = "INFO"
    console: ConsoleConfig = ConsoleConfig()
    telegram: TelegramConfig = TelegramConfig()
    matrix: MatrixConfig = MatrixConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    fetch: FetchConfig = FetchConfig()
    web: WebConfig = WebConfig()
    source: str = "defaults"
    # Each feature's settings, keyed by its declared class (``Router(..., settings=...)``).
    features: Mapping[type[Any], Any] = field(default_factory=lambda: MappingProxyType({}))

    def feature(self, kind: type[T]) -> T:
        """A feature's settings: as configured, or the class's defaults."""
        found = self.features.get(kind)
        return found if isinstance(found, kind) else kind()

    @property
    def database_path(self) -> Path:
        return self.data_dir / "assobot.db"

    @property
    def platforms(self) -> tuple[str, ...]:
        """Configured chat platforms (empty means: console)."""
        names = []
        if self.telegram.enabled:
            names.append("telegram")
        if self.matrix.enabled:
            names.append("matrix")
        return tuple(names)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line."""
        values = (
            self.telegram.token,
            self.telegram.webhook_secret,
            self.matrix.password,
            self.matrix.access_token,
        )
        return tuple(v for v in values if v)


SECTIONS: dict[str, type[Any]] = {
    "console": ConsoleConfig,
    "telegram": TelegramConfig,
    "matrix": MatrixConfig,
    "scheduler": SchedulerConfig,
    "fetch": FetchConfig,
    "web": WebConfig,
}
TOP_LEVEL = ("data_dir", "language", "timezone", "log_level")
ENV_SECRETS = {
    ("telegram", "token"): "ASSOBOT_TELEGRAM_TOKEN",
    ("matrix", "password"): "ASSOBOT_MATRIX_PASSWORD",
    ("matrix", "access_token"): "ASSOBOT_MATRIX_ACCESS_TOKEN",
    ("telegram", "webhook_secret"): "ASSOBOT_TELEGRAM_WEBHOOK_SECRET",
}


class _Where:
    """Builds error lines: ``config.toml: [matrix] homeserver: ...``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, section: str | None, key: str, problem: str) -> ConfigError:
        where = f"[{section}] {key}" if section else key
        return ConfigError(f"{self.source}: {where}: {problem}")


def _unknown_key(where: _Where, section: str | None, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else f" (known keys: {', '.join(known)})"
    return where.error(section, key, f"unknown setting{hint}")


def _typed(where: _Where, section: str | None, key: str, value: object, expected: str) -> Any:
    """Check a value against a field's declared type (the annotation, as text)."""
    if expected == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise where.error(section, key, f"expected a whole number, got {_show(value)}")
    if expected == "bool" and not isinstance(value, bool):
        raise where.error(section, key, f"expected true or false, got {_show(value)}")
    if expected.startswith("tuple"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise where.error(
                section, key, f'expected a list of texts like ["a", "b"], got {_show(value)}'
            )
        return tuple(value)
    if expected == "str" and not isinstance(value, str):
        raise where.error(section, key, f"expected a text in quotes, got {_show(value)}")
    return value


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value) if not isinstance(value, dict) else "a table"


def _section(where: _Where, name: str, raw: object, cls: type[Any] | None = None) -> Any:
    cls = cls or SECTIONS[name]
    if not isinstance(raw, Mapping):
        raise where.error(None, name, f"expected a table [{name}], got {_show(raw)}")
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise _unknown_key(where, name, key, sorted(known))
        values[key] = _typed(where, name, key, value, str(known[key].type))
    settings = cls(**values)
    problem = check_settings(settings)
    if problem:
        raise where.error(name, *problem)
    return settings


def _with_env_secrets(config: Config, env: Mapping[str, str]) -> Config:
    for (section, key), variable in ENV_SECRETS.items():
        secret = env.get(variable, "")
        if secret:
            part = getattr(config, section)
            config = replace(config, **{section: replace(part, **{key: secret})})
    return config


def _check(config: Config, where: _Where) -> None:
    checks: list[tuple[str | None, str, Callable[[], str | None]]] = [
        (None, "language", lambda: _check_language(config.language)),
        (None, "timezone", lambda: _check_timezone(config.timezone)),
        (None, "log_level", lambda: _check_level(config.log_level)),
        ("console", "member", lambda: _check_name(config.console.member)),
        ("console", "room", lambda: _check_name(config.console.room)),
    ]
    if config.telegram.enabled:
        checks += [
            ("telegram", "token", lambda: _check_token(config.telegram.token)),
            ("telegram", "api_base_url", lambda: _check_url(config.telegram.api_base_url)),
            (
                "telegram",
                "mode",
                lambda: _check_choice(config.telegram.mode, ("polling", "webhook")),
            ),
            (
                "telegram",
                "stale_after_minutes",
                lambda: _check_range(config.telegram.stale_after_minutes, 0, 10080),
            ),
        ]
        if config.telegram.mode == "webhook":
            checks += [
                ("telegram", "webhook_url", lambda: _check_url(config.telegram.webhook_url)),
                (
                    "telegram",
                    "webhook_port",
                    lambda: _check_range(config.telegram.webhook_port, 1, 65535),
                ),
                (
                    "telegram",
                    "webhook_secret",
                    lambda: _check_secret_token(config.telegram.webhook_secret),
                ),
            ]
    matrix = config.matrix
    if matrix.homeserver or matrix.user_id or matrix.password or matrix.access_token:
        checks += [
            ("matrix", "homeserver", lambda: _check_url(matrix.homeserver)),
            ("matrix", "user_id", lambda: _check_user_id(matrix.user_id)),
            ("matrix", "password", lambda: _check_login(matrix)),
            ("matrix", "allowed_inviters", lambda: _check_inviters(matrix.allowed_inviters)),
            (
                "matrix",
                "organizer_power_level",
                lambda: _check_range(matrix.organizer_power_level, 1, 1000),
            ),
            (
                "matrix",
                "stale_after_minutes",
                lambda: _check_range(matrix.stale_after_minutes, 0, 10080),
            ),
        ]
    if config.web.enabled and not config.web.public_url:
        checks.append(
            (
                "web",
                "public_url",
                lambda: (
                    "needed when the web page is enabled: the https:// address members "
                    'open (your reverse proxy\'s), e.g. "https://asso.example.org"'
                ),
            )
        )
    for section, key, check in checks:
        problem = check()
        if problem:
            raise where.error(section, key, problem)


def _check_language(value: str) -> str | None:
    return _check_choice(value, LANGUAGES)


def _check_choice(value: str, choices: tuple[str, ...]) -> str | None:
    if value in choices:
        return None
    return f"expected {' or '.join(chr(34) + c + chr(34) for c in choices)}, got {_show(value)}"


def _check_secret_token(value: str) -> str | None:
    # Telegram's secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -. Never echo it.
    if re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        return None
    return (
        "missing or invalid: 1 to 256 characters among A-Z a-z 0-9 _ - "
        "(or ASSOBOT_TELEGRAM_WEBHOOK_SECRET)"
    )


def _check_timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f'expected an IANA time zone such as "Europe/Paris", got {_show(value)}'
    return None


def _check_level(value: str) -> str | None:
    if value.upper() in LOG_LEVELS:
        return None
    return f"expected one of {', '.join(LOG_LEVELS)}, got {_show(value)}"


def _check_name(value: str) -> str | None:
    if re.fullmatch(r"[\w.-]{1,32}", value):
        return None
    return f"expected a short name (letters, digits, . _ -), got {_show(value)}"


def _check_range(value: int, low: int, high: int) -> str | None:
    if low <= value <= high:
        return None
    return f"expected a number from {low} to {high}, got {value}"


def _check_token(value: str) -> str | None:
    if TELEGRAM_TOKEN.fullmatch(value):
        return None
    # Never echo the token itself.
    return "does not look like a BotFather token (digits, a colon, then about 35 characters)"


def _check_url(value: str) -> str | None:
    if re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        return None
    return f"expected an https:// or http:// URL, got {_show(value)}"


def _check_user_id(value: str) -> str | None:
    if MATRIX_USER_ID.fullmatch(value):
        return None
    return f'expected a Matrix user id such as "@assobot:example.org", got {_show(value)}'


def _check_login(matrix: MatrixConfig) -> str | None:
    if matrix.password or matrix.access_token:
        return None
    return (
        "missing: set password or access_token "
        "(or ASSOBOT_MATRIX_PASSWORD / ASSOBOT_MATRIX_ACCESS_TOKEN)"
    )


def _check_inviters(entries: tuple[str, ...]) -> str | None:
    for entry in entries:
        if not (MATRIX_USER_ID.fullmatch(entry) or re.fullmatch(r":[^\s:/@]+(:\d+)?", entry)):
            return (
                'expected user ids such as "@alice:example.org" or servers such as '
                f'":example.org", got {_show(entry)}'
            )
    return None


def parse_config(
    raw: Mapping[str, object],
    *,
    source: str,
    base_dir: Path,
    env: Mapping[str, str],
    features: Mapping[str, type[Any]] = MappingProxyType({}),
) -> Config:
    """Turn a parsed TOML document into a validated ``Config``; raise ``ConfigError``.

    ``features`` maps each feature's section name to its declared settings class.
    """
    where = _Where(source)
    top: dict[str, Any] = {}
    configured: dict[type[Any], Any] = {}
    for key, value in raw.items():
        if key in features:
            configured[features[key]] = _section(where, key, value, features[key])
        elif key in SECTIONS:
            top[key] = _section(where, key, value)
        elif key in TOP_LEVEL:
            top[key] = _typed(where, None, key, value, "str")
        else:
            raise _unknown_key(where, None, key, [*TOP_LEVEL, *SECTIONS, *features])
    data_dir = Path(str(top.pop("data_dir", "data")))
    env_data_dir = env.get("ASSOBOT_DATA_DIR", "")
    if env_data_dir:
        data_dir = Path(env_data_dir)
    elif not data_dir.is_absolute():
        data_dir = base_dir / data_dir
    config = Config(data_dir=data_dir, source=source, features=MappingProxyType(configured), **top)
    config = replace(config, log_level=config.log_level.upper())
    config = _with_env_secrets(config, env)
    _check(config, where)
    return config


def load_config(
    path: Path | None,
    env: Mapping[str, str] | None = None,
    features: Mapping[str, type[Any]] = MappingProxyType({}),
) -> Config:
    """Read ``path`` (or use the defaults when it is None) and validate it; ``features`` maps
    feature section names to their declared settings classes."""
    env = os.environ if env is None else env
    if path is None:
        return parse_config({}, source="defaults", base_dir=Path.cwd(), env=env, features=features)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file ({error.strerror})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    return parse_config(
        raw, source=str(path), base_dir=path.resolve().parent, env=env, features=features
    )
