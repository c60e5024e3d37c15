"""The web page in a real browser (headless Chromium): a member without any chat account votes by
personal link in a poll, a motion and an election, changes the vote, is refused a second secret
ballot; revoked links; a vote by link and by chat counted once; the poll message in the room
follows the page; the archive and the agenda feed; keyboard, labels, a phone's screen.

Links are made the way an organizer makes them: /liens-vote in the console room, and the CSV
file the bot answers with."""

from __future__ import annotations

import re
from pathlib import Path

import icalendar
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import PHONE, LiveBot, as_phone
from tests.browser.kit import (
    accessibility_problems,
    checked,
    choose,
    fetch,
    press_and_wait,
    submit,
    tab_through,
    text_of,
    wait_for,
)

ODILE = "Odile Martin"


def odile_link(live: LiveBot, poll: str = "/sondage Pizza ? | Reine | Calzone") -> str:
    """A poll started in the room, Odile (on the roll, on no chat) and her personal link."""
    live.say(poll, member="alice")
    live.say(f"/membres ajouter {ODILE}", member="alice")
    links = live.vote_links("/liens-vote 1")
    assert [ODILE] == list(links)
    return live.local(links[ODILE])


# Vote, change, confirmation ------------------------------------------------------------------


def test_a_member_votes_by_link_then_changes_the_vote(live: LiveBot, browser: WebDriver) -> None:
    link = odile_link(live)

    browser.get(link)
    question = text_of(browser, "h1")
    options = [each.text for each in browser.find_elements(By.CSS_SELECTOR, "form label")]
    choose(browser, "Calzone")
    submit(browser)
    first = text_of(browser, ".confirmation")
    live.settle()
    after_first = live.poll_text()

    browser.get(link)
    ticked = checked(browser)
    choose(browser, "Reine")
    submit(browser)
    second = text_of(browser, ".confirmation")
    live.settle()
    after_second = live.poll_text()

    assert "Pizza ?" in question
    assert ["Reine", "Calzone"] == options
    assert "done=1" in browser.current_url
    assert "fr" == browser.find_element(By.TAG_NAME, "html").get_attribute("lang")
    assert first and second
    assert "status" == browser.find_element(By.CSS_SELECTOR, ".confirmation").get_attribute("role")
    assert "2. Calzone\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Odile Martin" in after_first
    assert ["Calzone"] == ticked  # the page shows the vote it holds
    assert "1. Reine\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Odile Martin" in after_second
    assert "2. Calzone\n   ░░░░░░░░░░ 0 (0 %)" in after_second
    assert "1 votant" in after_second


def test_the_page_speaks_french_or_english(live: LiveBot, browser: WebDriver) -> None:
    link = odile_link(live)

    browser.get(link)  # the browser asks for French (Accept-Language)
    french_button = browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").text
    browser.find_element(By.CSS_SELECTOR, "a[hreflang=en]").click()  # the language link
    english_lang = wait_for(browser, "html[lang=en]").get_attribute("lang")
    english_button = browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").text
    choose(browser, "Reine")
    submit(browser)
    english = text_of(browser, ".confirmation")
    english_page_lang = browser.find_element(By.TAG_NAME, "html").get_attribute("lang")
    browser.get(link + "?done=1&lang=fr")
    french = text_of(browser, ".confirmation")

    assert "en" == english_lang == english_page_lang
    assert ("Voter", "Vote") == (french_button, english_button)
    assert "Your vote is recorded. Thank you." == english
    assert "Votre vote est enregistré. Merci." == french


def page_words(browser: WebDriver) -> list[str]:
    """The page's own words around the feature's: title, heading, footer, the language menu's
    name for screen readers."""
    return [
        browser.title,
        browser.find_element(By.TAG_NAME, "h1").text,
        browser.find_element(By.TAG_NAME, "footer").text,
        browser.find_element(By.CSS_SELECTOR, "nav.languages").get_attribute("aria-label") or "",
    ]


def test_every_word_of_a_page_follows_its_language(live: LiveBot, browser: WebDriver) -> None:
    link = odile_link(live)
    unknown = re.sub(r"/v/[^/?]+", "/v/" + "A" * 22, link)

    shown = {}
    for name, address in (("ballot", link), ("not found", unknown)):
        for language in ("fr", "en"):
            browser.get(f"{address}?lang={language}")
            shown[name, language] = page_words(browser)

    for name in ("ballot", "not found"):
        french, english = shown[name, "fr"], shown[name, "en"]
        same = [word for word, other in zip(french, english, strict=True) if word == other]
        assert [] == same, f"the {name} page says these in English and French alike: {same}"


# Secret ballots, motions, elections ----------------------------------------------------------


def test_a_second_secret_ballot_is_refused_with_a_clear_message(
    live: LiveBot, browser: WebDriver
) -> None:
    link = odile_link(live, "/sondage Trésorier ? | Paul | Sophie | secret")

    browser.get(link)  # the ballot open in two tabs, as a hesitant member might
    first_tab = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(link)
    second_tab = browser.current_window_handle
    browser.switch_to.window(first_tab)
    choose(browser, "Paul")
    submit(browser)
    counted = text_of(browser, ".confirmation")
    shown_after = browser.find_elements(By.CSS_SELECTOR, "input:checked")
    browser.switch_to.window(second_tab)
    choose(browser, "Sophie")
    submit(browser)
    refused = text_of(browser, ".error, .message")
    refused_role = browser.find_element(By.CSS_SELECTOR, ".error, .message").get_attribute("role")
    browser.close()
    browser.switch_to.window(first_tab)
    live.settle()
    room = live.poll_text()
    closed = live.say("/cloturer", member="alice")

    assert "Votre bulletin secret est compté. Merci." == counted
    assert [] == shown_after  # the page keeps no trace of the secret choice
    assert "déjà voté" in refused
    assert "alert" == refused_role
    assert "1 votant" in room and "Odile" not in room
    assert "1. Paul\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %)\n2. Sophie\n   ░░░░░░░░░░ 0 (0 %)" in closed[0]


def test_a_motion_by_link(live: LiveBot, browser: WebDriver) -> None:
    link = odile_link(live, "/motion Approbation des comptes 2025")

    browser.get(link)
    labels = [each.text for each in browser.find_elements(By.CSS_SELECTOR, "form label")]
    values = [
        each.get_attribute("value")
        for each in browser.find_elements(By.CSS_SELECTOR, "input[name=choice]")
    ]
    choose(browser, "Pour")
    submit(browser)
    confirmation = text_of(browser, ".confirmation")
    live.settle()
    room = live.poll_text()

    assert ["for", "against", "abstain", "blank"] == values[:4]
    assert "Pour" in labels[0] and "Contre" in labels[1]
    assert confirmation
    assert "1 votant" in room


def test_an_election_by_link_several_seats(live: LiveBot, browser: WebDriver) -> None:
    link = odile_link(live, "/election Bureau | 2 postes | Martine | Paul | Sophie")

    browser.get(link)
    kinds = {
        each.get_attribute("type")
        for each in browser.find_elements(By.CSS_SELECTOR, "input[name=choice]")
    }
    choose(browser, "Martine")
    choose(browser, "Sophie")
    submit(browser)
    confirmation = text_of(browser, ".confirmation")
    closed = live.say("/cloturer", member="alice")

    assert {"checkbox"} == kinds
    assert confirmation
    assert "Martine" in closed[0] and "Sophie" in closed[0]
    assert re.search(r"1 bulletin", closed[0]), closed[0]


# Links that no longer work -------------------------------------------------------------------


def test_a_revoked_link_shows_the_not_found_page(live: LiveBot, browser: WebDriver) -> None:
    link = odile_link(live)
    browser.get(link)  # Odile opened the ballot before the link was revoked

    revoked = live.say(f"/liens-vote 1 revoquer {ODILE}", member="alice")
    choose(browser, "Reine")
    submit(browser)
    refused_post = text_of(browser, "main")
    browser.get(link)
    refused_get = text_of(browser, "main")
    answer = fetch(link)
    unknown = fetch(re.sub(r"/v/[^/?]+", "/v/" + "A" * 22, link))
    live.settle()
    room = live.poll_text()

    assert revoked and ODILE in revoked[0]
    assert 404 == answer.status == unknown.status
    assert answer.body == unknown.body  # a revoked link looks like one that never was
    assert "lien" in refused_get.lower() and refused_get == refused_post
    assert browser.find_elements(By.CSS_SELECTOR, "form") == []
    assert "0 votant" in room
    assert accessibility_problems(browser) == []


def test_a_closed_poll_takes_no_vote_from_a_page_left_open(
    live: LiveBot, browser: WebDriver
) -> None:
    link = odile_link(live)
    browser.get(link)

    live.say("/cloturer", member="alice")
    choose(browser, "Reine")
    submit(browser)
    refused = text_of(browser, "main")
    browser.get(link)
    later = browser.find_elements(By.CSS_SELECTOR, "form button[type=submit]")
    results = [line for line in live.say("/decisions", member="alice") if "Pizza" in line]

    assert "clôturé" in refused or "fermé" in refused, refused
    assert [] == later  # nothing left to submit
    assert results and "Odile" not in results[0]


# One member, two ways to vote ----------------------------------------------------------------


def test_a_vote_by_link_and_by_chat_counts_once(live: LiveBot, browser: WebDriver) -> None:
    live.say("/sondage Pizza ? | Reine | Calzone", member="alice")
    live.say("bonjour", member="bob")  # bob, seen in the room, is on the roll
    links = live.vote_links("/liens-vote 1 tous")
    bob = live.local(links["Bob"])

    live.say("/vote 1", member="bob")
    browser.get(bob)
    ticked = checked(browser)
    choose(browser, "Calzone")
    submit(browser)
    live.settle()
    room = live.poll_text()

    assert {"Alice", "Bob"} <= set(links)
    assert ["Reine"] == ticked  # the page knows the vote given in the chat
    assert "1. Reine\n   ░░░░░░░░░░ 0 (0 %)" in room
    assert "2. Calzone\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Bob" in room
    assert "1 votant" in room


def test_a_secret_ballot_given_in_the_chat_is_not_given_again_by_link(
    live: LiveBot, browser: WebDriver
) -> None:
    live.say("/sondage Trésorier ? | Paul | Sophie | secret", member="alice")
    live.say("bonjour", member="bob")
    bob = live.local(live.vote_links("/liens-vote 1 tous")["Bob"])

    live.say("/vote 1 1", member="bob", room="dm-bob")  # in private, as a secret vote is
    browser.get(bob)
    shown = text_of(browser, "main")
    forms = browser.find_elements(By.CSS_SELECTOR, "form button[type=submit]")
    closed = live.say("/cloturer", member="alice")

    assert "Vous avez voté à ce scrutin secret" in shown
    assert [] == forms
    assert "1. Paul\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %)\n2. Sophie\n   ░░░░░░░░░░ 0 (0 %)" in closed[0]


def test_the_poll_message_in_the_room_follows_a_vote_on_the_page(
    live: LiveBot, browser: WebDriver
) -> None:
    link = odile_link(live)
    poll_message = next(
        each.message_id for each in reversed(live.sent) if each.out.text.startswith("📊")
    )
    edits_before = len(live.edits)

    browser.get(link)
    choose(browser, "Calzone")
    submit(browser)
    live.settle()
    edits = live.edits[edits_before:]

    assert [poll_message] == [each.message_id for each in edits]
    assert "— Odile Martin" in edits[-1].out.text
    assert "1 votant" in edits[-1].out.text


# The keyboard, labels, a phone --------------------------------------------------------------


def test_voting_with_the_keyboard_alone(live: LiveBot, browser: WebDriver) -> None:
    link = odile_link(live)

    browser.get(link)
    problems = accessibility_problems(browser)
    reached = tab_through(browser)
    first_option = next(each for each in reached if each.get_attribute("name") == "choice")
    first_option.send_keys(Keys.ARROW_DOWN)  # in a radio group the arrows choose
    ticked = checked(browser)
    button_reached = browser.find_element(By.CSS_SELECTOR, "form button[type=submit]") in reached
    ActionChains(browser).send_keys(Keys.TAB).perform()
    press_and_wait(browser, lambda: browser.switch_to.active_element.send_keys(Keys.ENTER))
    wait_for(browser, ".confirmation")
    confirmation_problems = accessibility_problems(browser)
    live.settle()
    room = live.poll_text()

    assert [] == problems
    assert button_reached
    assert ["Calzone"] == ticked
    assert [] == confirmation_problems
    assert "2. Calzone\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Odile Martin" in room


def test_the_pages_load_nothing_from_elsewhere_and_run_no_script(
    live: LiveBot, browser: WebDriver
) -> None:
    link = odile_link(live)

    browser.get(link)
    scripts = browser.execute_script("return document.scripts.length")
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)"
    )
    answer = fetch(link)

    assert 0 == scripts
    assert all(each.startswith(live.base_url + "/") for each in resources), resources
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert "DENY" == answer.headers["X-Frame-Options"]


def test_the_ballot_on_a_phone(live: LiveBot, browser: WebDriver, tmp_path: Path) -> None:
    link = odile_link(
        live,
        "/sondage Quel jour pour la fête de fin d'année de l'association ? "
        "| Vendredi 18 décembre au soir | Samedi 19 décembre après-midi | Dimanche 20 décembre",
    )
    as_phone(browser)

    browser.get(link)
    shot = tmp_path / "ballot-390x844.png"
    browser.save_screenshot(str(shot))
    print(f"\nthe ballot on a phone: {shot}")
    width = browser.execute_script("return window.innerWidth")
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    button = browser.find_element(By.CSS_SELECTOR, "form button[type=submit]")
    size = button.size
    font = browser.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('form label')).fontSize)"
    )
    choose(browser, "Samedi 19 décembre")
    submit(browser)
    confirmation = text_of(browser, ".confirmation")

    assert PHONE[0] == width
    assert 0 >= overflow  # nothing wider than the screen: no sideways scrolling
    assert size["height"] >= 24 and size["width"] >= 44  # a button a thumb can press
    assert font >= 14
    assert confirmation


# The archive and the agenda -----------------------------------------------------------------


def addresses(live: LiveBot) -> tuple[str, str]:
    """/archive as an organizer: the archive page's and the agenda feed's public addresses
    (both sent in a private chat), and the agenda's webcal:// twin checked on the way."""
    before = len(live.sent)
    live.say("/archive", member="alice")
    text = "\n".join(each.out.text for each in live.sent[before:])
    archive = re.search(r"https://\S+/archive/[\w-]+", text)
    agenda = re.search(r"https://\S+/agenda/[\w-]+/agenda\.ics", text)
    assert archive and agenda, text
    assert "webcal://" + agenda.group(0).removeprefix("https://") in text
    return archive.group(0), agenda.group(0)


def test_the_archive_page_in_a_browser(live: LiveBot, browser: WebDriver) -> None:
    live.say("/sondage Pizza ? | Reine | Calzone", member="alice")
    live.say("/vote 2", member="bob")
    live.say("/cloturer", member="alice")
    live.say("/lien https://velo.example.org/atelier #velo Atelier vélo du samedi", member="bob")
    live.say("/lien https://jardin.example.org/ #jardin Jardin partagé", member="carol")
    archive, _agenda = addresses(live)

    browser.get(live.local(archive))
    heading = text_of(browser, "h1")
    page = text_of(browser, "main")
    problems = accessibility_problems(browser)
    search = browser.find_element(By.CSS_SELECTOR, "input[name=q]")
    press_and_wait(browser, lambda: search.send_keys("vélo", Keys.ENTER))
    searched = text_of(browser, "main")

    assert heading
    assert "Pizza ?" in page and "Calzone" in page
    assert "velo.example.org" in page and "jardin.example.org" in page
    assert "velo.example.org" in searched and "jardin.example.org" not in searched
    assert [] == problems


def test_the_agenda_feed_read_by_a_calendar_parser(live: LiveBot) -> None:
    live.say(
        "/evenement AG annuelle le 12 janvier à 19h | Salle des fêtes, 3 rue des Lilas",
        member="alice",
    )
    _archive, agenda = addresses(live)

    answer = fetch(live.local(agenda))
    calendar = icalendar.Calendar.from_ical(answer.body)
    events = [each for each in calendar.walk("VEVENT")]

    assert 200 == answer.status
    assert answer.headers["Content-Type"].startswith("text/calendar")
    assert ["AG annuelle"] == [str(each["SUMMARY"]) for each in events]
    assert "Salle des fêtes, 3 rue des Lilas" == str(events[0]["LOCATION"])
    assert (2027, 1, 12) == events[0].decoded("DTSTART").timetuple()[:3]
