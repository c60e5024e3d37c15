"""What `assobot run` loads at start: only the configured platform's library, and none of the
libraries one command or a first fetch needs (each test runs a fresh interpreter, so modules
imported by other tests do not count)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.telegram_api import TOKEN

ROOT = Path(__file__).resolve().parent.parent

# Loaded at the first use of what needs them, never by start-up on any platform.
AT_FIRST_USE = (
    "dateparser",  # dates our own reader does not know
    "babel",  # date and number formatting
    "icalendar",  # .ics files
    "feedparser",  # feeds
    "selectolax",  # link previews, feed discovery
    "rich",  # httpx's command line, never
    "pygments",
)

BUILD = """
import json, sys
from pathlib import Path
from bot.cli import feature_settings
from bot.config import load_config
from bot.app import build

config = load_config(Path(sys.argv[1]), features=feature_settings(), env={})
if sys.argv[2:] == ["run"]:  # as `assobot run` does
    from bot.app import skip_unused_imports
    skip_unused_imports(config)
app = build(config)
app.store.close()
top = sorted({name.split(".")[0] for name, module in sys.modules.items() if module is not None})
print(json.dumps({"adapters": sorted(app.adapters), "modules": top}))
"""


def started(
    tmp_path: Path, platform_section: str, *, run: bool = False
) -> tuple[list[str], set[str]]:
    """Build the app in a fresh interpreter (``run``: as `assobot run` does, with the unused
    parts of the platform libraries skipped): (adapters, modules)."""
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n\n{platform_section}\n', "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(config), *(["run"] if run else [])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["adapters"], set(answer["modules"])


def test_start_with_matrix_only_never_loads_telegram(tmp_path: Path) -> None:
    section = (
        '[matrix]\nhomeserver = "http://127.0.0.1:1"\nuser_id = "@bot:example.org"\npassword = "x"'
    )
    adapters, modules = started(tmp_path, section)
    assert ["matrix"] == adapters
    assert "nio" in modules
    assert set() == modules & {"telegram", "tornado", *AT_FIRST_USE}


def test_start_with_telegram_only_never_loads_nio(tmp_path: Path) -> None:
    section = f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "http://127.0.0.1:1"'
    adapters, modules = started(tmp_path, section)
    assert ["telegram"] == adapters
    assert "telegram" in modules
    assert set() == modules & {"nio", "aiohttp", "olm", *AT_FIRST_USE}


def test_console_start_loads_no_platform_nor_http_library(tmp_path: Path) -> None:
    adapters, modules = started(tmp_path, "")
    assert ["console"] == adapters
    assert set() == modules & {"nio", "telegram", "httpx", "httpcore", *AT_FIRST_USE}


TELEGRAM = f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "http://127.0.0.1:1"'
MATRIX = '[matrix]\nhomeserver = "http://127.0.0.1:1"\nuser_id = "@b:example.org"\npassword = "x"'


@pytest.mark.parametrize(
    ("sections", "adapters", "loaded", "skipped"),
    [
        (TELEGRAM, ["telegram"], {"telegram"}, {"cryptography", "tornado"}),
        (
            TELEGRAM + '\nmode = "webhook"\nwebhook_url = "https://bot.example.org/tg"'
            '\nwebhook_secret = "s3cret"',
            ["telegram"],
            {"telegram", "tornado"},
            {"cryptography"},
        ),
        (MATRIX, ["matrix"], {"nio"}, {"cffi", "pycparser", "telegram"}),
        (
            TELEGRAM + "\n\n" + MATRIX,
            ["matrix", "telegram"],
            {"telegram", "nio"},
            {"cryptography", "tornado"},
        ),
    ],
    ids=["polling", "webhook", "matrix", "both platforms"],
)
def test_assobot_run_skips_what_python_telegram_bot_would_load_unused(
    tmp_path: Path, sections: str, adapters: list[str], loaded: set[str], skipped: set[str]
) -> None:
    built, modules = started(tmp_path, sections, run=True)
    assert adapters == built
    assert loaded == loaded & modules
    assert set() == skipped & modules


def test_matrix_attachments_still_encrypt_without_cffi(tmp_path: Path) -> None:
    code = f"""
import sys
from pathlib import Path
from bot.config import load_config
from bot.app import skip_unused_imports

(Path({str(tmp_path)!r}) / "config.toml").write_text({'data_dir = "d"' + chr(10) + MATRIX!r})
skip_unused_imports(load_config(Path({str(tmp_path)!r}) / "config.toml", env={{}}))
from nio.crypto.attachments import decrypt_attachment, encrypt_attachment
from Crypto.Util import _raw_api

data, keys = encrypt_attachment(b"minutes" * 1000)
plain = decrypt_attachment(data, keys["key"]["k"], keys["hashes"]["sha256"], keys["iv"])
print(plain == b"minutes" * 1000, _raw_api.backend, "cffi" in sys.modules and sys.modules["cffi"])
"""
    assert "True ctypes None" == run_python(code)


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    return done.stdout.strip()


def test_dateparser_loads_only_when_our_reader_needs_it() -> None:
    code = """
import sys
from datetime import UTC, date, datetime
import handlers
from bot.timeparse import _plain_date, parse_when

now = datetime(2026, 12, 2, 10, tzinfo=UTC)
for text in ("demain 18h x", "le 3 janvier à 9h x", "tous les lundis à 9h x", "12/01/2027 x"):
    parse_when(text, now, "fr", "Europe/Paris")
before = "dateparser" in sys.modules
_plain_date(["next", "week"], "en", date(2026, 12, 2))
print(before, "dateparser" in sys.modules)
"""
    assert "False True" == run_python(code)


def test_a_link_fetch_loads_httpx_without_its_command_line() -> None:
    code = """
import sys
import bot.fetch
loaded = "httpx" in sys.modules
from bot.fetch import _parse
url = _parse("https://example.org/a")
print(loaded, url.host, "httpx" in sys.modules, "rich" in sys.modules, "pygments" in sys.modules)
"""
    assert "False example.org True False False" == run_python(code)


@pytest.mark.parametrize(
    ("language", "loaded_after"),
    [("fr", ["fr"]), ("en", ["en", "fr"]), ("de", ["fr"])],
)
def test_translator_reads_another_language_at_its_first_message(
    language: str, loaded_after: list[str]
) -> None:
    from bot.i18n import Translator

    translator = Translator.load(("fr",))
    assert ["fr"] == sorted(translator.catalogs)
    translator.t(language, "Unknown command.")
    assert loaded_after == sorted(translator.catalogs)


def test_translator_speaks_each_language_as_when_all_were_read_at_start() -> None:
    from bot.i18n import Translator

    lazy, eager = Translator.load(("fr",)), Translator.load()
    for language in ("fr", "en", "de"):
        for n in (0, 1, 2):
            assert eager.tn(language, "{n} vote", "{n} votes", n) == lazy.tn(
                language, "{n} vote", "{n} votes", n
            )


def test_matrix_run_defers_nio_s_unused_transport_and_keeps_it_working(tmp_path: Path) -> None:
    """nio's HttpClient transport (h11, HTTP/2) is imported with AsyncClient but never used:
    `assobot run` leaves it unloaded; whoever uses it (nio's HttpClient, httpx for a link
    preview) gets the real modules, HTTP/2 support included."""
    code = f"""
import sys, types
from pathlib import Path
from bot.config import load_config
from bot.app import skip_unused_imports

(Path({str(tmp_path)!r}) / "config.toml").write_text({'data_dir = "d"' + chr(10) + MATRIX!r})
skip_unused_imports(load_config(Path({str(tmp_path)!r}) / "config.toml", env={{}}))
import bot.adapters.matrix
real = lambda name: type(sys.modules.get(name)) is types.ModuleType
print(*(real(name) for name in ("nio", "aiohttp", "h11", "h2", "h2.connection", "hpack")))
import httpx, httpcore
from httpcore._async.http2 import AsyncHTTP2Connection
import nio.http
connection = nio.http.Http2Connection()
print(httpcore.AsyncHTTP2Connection is AsyncHTTP2Connection, type(connection._connection).__name__)
print(nio.http.h11.CLIENT is sys.modules["h11"].CLIENT, real("h11"), real("h2"), real("hpack"))
"""
    first, second, third = run_python(code).splitlines()
    assert "True True False False False False" == first
    assert "True H2Connection" == second
    assert "True True True True" == third
