"""bot/urls.py: the normalised form two shares of one page have in common, and the URLs found
in a message's text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.urls import MAX_URL_LENGTH, InvalidURL, find_urls, normalize


@pytest.mark.parametrize(
    ("expected", "url"),
    [
        ("https://example.org/", "https://example.org"),
        ("https://example.org/", "HTTPS://EXAMPLE.ORG/"),
        ("https://example.org/Page", "https://Example.Org/Page"),  # the path keeps its case
        ("https://example.org/", "https://example.org:443/"),
        ("http://example.org/", "http://example.org:80/"),
        ("http://example.org:8080/", "http://example.org:8080"),
        ("https://example.org:80/", "https://example.org:80/"),
        ("https://example.org/a", "https://example.org/a#section-2"),
        ("https://example.org/", "https://example.org./"),
        ("https://example.org/a", "https://example.org/a?utm_source=news&utm_medium=mail"),
        ("https://example.org/a?id=3", "https://example.org/a?id=3&fbclid=IwAR0x"),
        ("https://example.org/a", "https://example.org/a?gclid=1&dclid=2&msclkid=3"),
        ("https://example.org/a", "https://example.org/a?mc_cid=1&mc_eid=2"),
        ("https://www.instagram.com/p/xyz/", "https://www.instagram.com/p/xyz/?igshid=abc"),
        ("https://twitter.com/a/status/1", "https://twitter.com/a/status/1?ref_src=twsrc"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ?si=Abc123"),
        ("https://example.org/a", "https://example.org/a?yclid=1&_hsenc=2&_hsmi=3"),
        ("https://example.org/a", "https://example.org/a?UTM_Campaign=x"),
        ("https://example.org/s?a=1&b=2", "https://example.org/s?b=2&a=1"),
        ("https://example.org/s?q=a&q=b", "https://example.org/s?q=a&q=b"),  # order kept
        ("https://example.org/s?q=caf%C3%A9", "https://example.org/s?q=café"),
        ("https://example.org/a/c", "https://example.org/a/./b/../c"),
        ("https://example.org/page/", "https://example.org/page/"),  # trailing slash kept
        ("https://example.org/page", "https://example.org/page"),
        ("https://example.org/~user/%C3%A9", "https://example.org/%7euser/%c3%a9"),
        (
            "https://fr.wikipedia.org/wiki/%C3%89v%C3%A9nement",
            "https://fr.wikipedia.org/wiki/Événement",
        ),
        ("https://xn--bcher-kva.example/", "https://Bücher.example/"),
        ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"),
        ("https://xn--r8jz45g.xn--zckzah/", "https://例え.テスト/"),
        ("http://[2001:db8::1]/", "http://[2001:DB8::1]:80/"),
        ("https://user@example.org/", "https://user@Example.org"),
        ("https://example.org/a?flag=", "https://example.org/a?flag="),
    ],
)
def test_normalize_table(expected: str, url: str) -> None:
    assert expected == normalize(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file",
        "javascript:alert(1)",
        "mailto:a@example.org",
        "https://",
        "https:///path",
        "https://exa mple.org/",
        "https://example.org:99999/",
        "https://example.org:abc/",
        "https://a..b/",
        "https://[zz::1]/",
        "https://example.org/\x00",
        "https://" + "a" * 70 + ".org/",
        "https://example.org/" + "a" * MAX_URL_LENGTH,
    ],
)
def test_normalize_refuses(url: str) -> None:
    with pytest.raises(InvalidURL):
        normalize(url)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ([], "pas de lien ici"),
        (["https://example.org/a"], "Voir https://example.org/a."),
        (["https://example.org/a"], "(voir https://example.org/a)"),
        (["https://example.org/a"], "«https://example.org/a»"),
        (["https://example.org/a"], "« https://example.org/a »"),
        (["https://example.org/a"], "“https://example.org/a”, dit-elle"),
        (["https://example.org/a"], "<https://example.org/a>"),
        (["https://example.org/a"], "[le texte](https://example.org/a)"),
        (["https://fr.wikipedia.org/wiki/Loi_(1901)"], "https://fr.wikipedia.org/wiki/Loi_(1901)"),
        (
            ["https://fr.wikipedia.org/wiki/Loi_(1901)"],
            "(https://fr.wikipedia.org/wiki/Loi_(1901))",
        ),
        (["https://example.org/?q=1"], "c'est là : https://example.org/?q=1 !"),
        (
            ["https://example.org/a", "http://example.net/b"],
            "https://example.org/a et http://example.net/b",
        ),
        (["https://example.org/a"], "https://example.org/a https://example.org/a"),
        (["HTTPS://EXAMPLE.ORG/A"], "HTTPS://EXAMPLE.ORG/A"),
        ([], "ftp://example.org/a javascript:alert(1) https:// http://"),
        ([], "https://example.org/" + "x" * MAX_URL_LENGTH),
    ],
)
def test_find_urls_table(expected: list[str], text: str) -> None:
    assert expected == find_urls(text)


@given(st.text(max_size=300))
def test_find_urls_any_text_gives_normalizable_urls(text: str) -> None:
    for url in find_urls("https://example.org/" + text):
        assert normalize(url).startswith(("http://", "https://"))
