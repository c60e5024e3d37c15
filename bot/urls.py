"""URLs in members' messages: find them in text, and normalise them so a repeat is recognised.

``normalize`` gives the key two shares of the same page have in common (the original URL is
kept for display): scheme and host lower-cased, the host in IDNA (``xn--``) form, default port
and fragment dropped, tracking parameters (``utm_*``, ``fbclid``…) removed, the query sorted,
percent-escapes written one way, dot segments resolved, an empty path written ``/``. Any other
trailing slash is kept as typed: ``/page`` and ``/page/`` may be two resources on a server, and
merging them would hide one.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import idna

# Longer URLs are refused: browsers and servers cap them near 2,000 characters in practice,
# and a megabyte of "URL" is a flood, not a link.
MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Click identifiers and campaign tags: they name who shared or clicked, never what is shown.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "gbraid",
        "wbraid",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "ref_src",
        "ref_url",
        "si",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "_ga",
        "_gl",
        "srsltid",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "xtor",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")

# A URL in text: http(s)://, then anything but spaces, angle brackets, quotes and guillemets.
_CANDIDATE = re.compile(r"""https?://[^\s<>"«»“”‘’‹›`{}|\\^]+""", re.IGNORECASE)
# Punctuation that ends a sentence rather than a URL.
_TRAILING = ".,;:!?'*_~"
_CLOSERS = {")": "(", "]": "["}
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are in a path (RFC 3986 pchar and "/"), so existing escapes stay.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


class InvalidURL(ValueError):
    """Not an http(s) URL this bot keeps (another scheme, no host, a bad port, too long)."""


def normalize(url: str) -> str:
    """The comparable form of an http(s) URL; raises ``InvalidURL`` for anything else."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL("too long")
    if any(ord(c) < 0x21 or c == "\x7f" for c in url):
        raise InvalidURL("spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidURL(str(error)) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidURL("not http or https")
    host = _host(parts.hostname or "")
    netloc = host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    path = _remove_dot_segments(_escapes(quote(parts.path, safe=_PATH_SAFE))) or "/"
    return urlunsplit((scheme, netloc, path, _query(parts.query), ""))


def _host(host: str) -> str:
    """The host lower-cased, in IDNA form, without a trailing dot; IPv6 in brackets."""
    host = host.rstrip(".")
    if not host:
        raise InvalidURL("no host")
    if ":" in host:  # an IPv6 literal (urlsplit removed the brackets)
        if not re.fullmatch(r"[0-9a-f:.]+", host.lower()):
            raise InvalidURL("bad IPv6 address")
        return f"[{host.lower()}]"
    if host.isascii():
        host = host.lower()
        if not re.fullmatch(r"[a-z0-9._-]+", host) or ".." in host:
            raise InvalidURL("bad host name")
        if len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
            raise InvalidURL("host name too long")
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise InvalidURL(f"bad international host name: {error}") from None


def _escapes(text: str) -> str:
    """Percent-escapes in upper case, and unreserved characters never escaped (``%7E`` → ``~``)."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(0)[1:], 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    return _ESCAPE.sub(fix, text)


def _remove_dot_segments(path: str) -> str:
    """``/a/./b/../c`` → ``/a/c`` (RFC 3986 section 5.2.4), keeping a trailing slash."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _query(query: str) -> str:
    """The query without tracking parameters, sorted, re-encoded one way."""
    if not query:
        return ""
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not is_tracking(key)
    ]
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))  # repeated keys keep their order


def is_tracking(name: str) -> bool:
    """Whether a query parameter only tracks who shared or clicked."""
    name = name.lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def find_urls(text: str) -> list[str]:
    """The http(s) URLs in a text, in order, each once, as typed (without the punctuation or
    closing bracket that ends the sentence around it); too long or malformed ones are left out."""
    if "://" not in text:  # most messages: no regex at all
        return []
    found: list[str] = []
    seen: set[str] = set()
    for match in _CANDIDATE.finditer(text):
        url = _trim(match.group(0))
        if url in seen or len(url) > MAX_URL_LENGTH:
            continue
        try:
            normalize(url)
        except InvalidURL:
            continue
        seen.add(url)
        found.append(url)
    return found


def _trim(url: str) -> str:
    """Without the sentence punctuation and unbalanced closing brackets at the end: the ``)`` of
    ``(see https://x.org/a)`` goes, the one of ``https://fr.wikipedia.org/wiki/Loi_(1901)``
    stays."""
    while url:
        last = url[-1]
        unbalanced = last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        if last in _TRAILING or unbalanced:
            url = url[:-1]
        else:
            break
    return url
