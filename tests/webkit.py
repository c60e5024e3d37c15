"""The web page in tests: a config with ``[web]`` on a free loopback port, and an HTTP client."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.config import Config, WebConfig
from tests.harness import make_config


def web_config(data_dir: Path, *settings: object, **web: object) -> Config:
    """Defaults with the web page on 127.0.0.1 (any free port); ``web`` changes [web] keys."""
    config = make_config(data_dir, *settings)
    values: dict[str, object] = {
        "enabled": True,
        "listen": "127.0.0.1",
        "port": 0,
        "public_url": "https://asso.example.org",
        **web,
    }
    return replace(config, web=WebConfig(**values))  # type: ignore[arg-type]


def local(url: str, base_url: str, public_url: str = "https://asso.example.org") -> str:
    """A public address (as given to members) turned into the server's own address."""
    assert url.startswith(public_url), url
    return base_url + url[len(public_url) :]
