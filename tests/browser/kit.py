"""What the browser tests share: reading a page as a member sees it, the keyboard, axe-core's
accessibility check, and plain HTTP for what a browser hides (status codes, headers, a
calendar feed)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from axe_core_python.selenium import Axe
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

# The form controls a member reaches; hidden inputs (the csrf field) are not controls.
CONTROLS = "input:not([type=hidden]), select, textarea, button"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Message
    body: str


def fetch(url: str, *, language: str = "fr") -> Answer:
    """GET ``url`` as a calendar app or a curious member would (the tests' own HTTP client:
    the browser does not show status codes or headers)."""
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return Answer(answer.status, answer.headers, answer.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read().decode("utf-8"))


def wait_for(driver: WebDriver, css: str) -> WebElement:
    """The element once the page that holds it is loaded (after a submit and its redirect)."""
    return WebDriverWait(driver, 15).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def text_of(driver: WebDriver, css: str) -> str:
    return wait_for(driver, css).text.strip()


def label_of(driver: WebDriver, control: WebElement) -> str:
    """The text a screen reader says for a control: its <label for=…>, the label around it,
    or aria-label."""
    label: str = driver.execute_script(
        "const c = arguments[0];"
        "const names = Array.from(c.labels || []).map(l => l.innerText.trim());"
        "if (c.getAttribute('aria-label')) names.push(c.getAttribute('aria-label'));"
        "if (c.tagName === 'BUTTON') names.push(c.innerText.trim());"
        "return names.filter(Boolean).join(' ');",
        control,
    )
    return label


def choose(driver: WebDriver, label: str) -> None:
    """Click an option by the words of its label, as a member does (the label, not the tiny
    radio button)."""
    for element in driver.find_elements(By.CSS_SELECTOR, "label"):
        if element.text.strip() == label or element.text.strip().startswith(label):
            element.click()
            return
    shown = [each.text for each in driver.find_elements(By.CSS_SELECTOR, "label")]
    raise AssertionError(f"no option labelled {label!r} on the page: {shown!r}")


def submit(driver: WebDriver) -> None:
    """Press the form's submit button and wait for the page that answers."""
    button = driver.find_element(By.CSS_SELECTOR, "form button[type=submit]")
    press_and_wait(driver, button.click)


def press_and_wait(driver: WebDriver, press: Callable[[], object]) -> None:
    """Do ``press`` (a click, a key) and wait until another page is loaded. The old page is
    marked, not watched: asking chromedriver about an element of a page being replaced fails
    now and then with an inspector error instead of "stale element"."""
    driver.execute_script("window.assobotOldPage = true;")
    press()

    def replaced(driver: WebDriver) -> bool:
        return bool(
            driver.execute_script(
                "return !window.assobotOldPage && document.readyState === 'complete';"
            )
        )

    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(replaced)


def checked(driver: WebDriver) -> list[str]:
    """The labels of the options ticked on the page."""
    return [
        label_of(driver, each)
        for each in driver.find_elements(By.CSS_SELECTOR, "input[name=choice]")
        if each.is_selected()
    ]


def tab_through(driver: WebDriver, limit: int = 60) -> list[WebElement]:
    """The elements the Tab key reaches, in order, from the top of the page (one round)."""
    driver.execute_script("document.activeElement && document.activeElement.blur();")
    reached: list[WebElement] = []
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        if active.tag_name.lower() == "body" or (reached and active == reached[0]):
            break
        reached.append(active)
    return reached


def accessibility_problems(driver: WebDriver) -> list[str]:
    """What keeps a member with a screen reader or a keyboard out, on the page shown:
    axe-core's serious and critical violations, and the checks axe leaves to a person."""
    problems: list[str] = []
    results = Axe().run(driver)
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"]]
            problems.append(f"axe {violation['id']} ({violation['impact']}): {targets}")

    lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
    if lang not in ("fr", "en"):
        problems.append(f"<html lang> is {lang!r}")
    headings = driver.find_elements(By.TAG_NAME, "h1")
    if len(headings) != 1:
        problems.append(f"{len(headings)} <h1> on the page")
    if not driver.title.strip():
        problems.append("the page has no <title>")

    controls = driver.find_elements(By.CSS_SELECTOR, CONTROLS)
    for control in controls:
        if not label_of(driver, control):
            problems.append(f"a control without a label: {control.get_attribute('outerHTML')}")

    reached = tab_through(driver)
    groups_reached = {(each.get_attribute("type"), each.get_attribute("name")) for each in reached}
    for control in controls:
        kind = control.get_attribute("type")
        if kind == "radio":  # Tab reaches a radio group once; the arrows move within it
            if ("radio", control.get_attribute("name")) not in groups_reached:
                problems.append(f"Tab never reaches the group {control.get_attribute('name')}")
        elif control not in reached:
            problems.append(f"Tab never reaches {control.get_attribute('outerHTML')}")
    return problems
