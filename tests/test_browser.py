"""Debian's Chromium, headless, over the browsable API and the docs of a live server: every page loads with no
console error, no failed request and no request to another host, and the filter form filters."""

import json
import os
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from bench.servers import ending_with_this_process

from .conftest import ROOT
from .instances import Instance, http_get

CHROMEDRIVER = os.environ.get("CHROMEDRIVER")
pytestmark = pytest.mark.skipif(
    not CHROMEDRIVER and not os.environ.get("SPACEDEVS_EXPECT_BROWSER"),
    reason="needs Chromium and its driver: CHROMEDRIVER (bin/test installs them with bin/chromium)",
)
SCREENSHOT = ROOT / "tests/screenshots/browsable-events.png"
# (path, status of the page itself, a CSS selector that is there once it has rendered)
PAGES = [
    ("/2.3.0/", 200, ".response-info"),
    ("/2.3.0/events/", 200, ".response-info"),
    ("/2.3.0/events/352/", 200, ".response-info"),
    ("/2.3.0/events/?day=40", 400, ".response-info"),
    ("/2.3.0/events/999999/", 404, ".response-info"),
    ("/no/such/page/", 404, ".response-info"),
    ("/2.3.0/swagger/", 200, ".swagger-ui .info"),
    ("/2.3.0/redoc/", 200, "#redoc-container h1"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_databases):
    """gunicorn over the fixtures, serving the apps' static files as collected ones are (collecting them,
    with the compression the image does, would take 20 s); threads, since a browser keeps idle
    connections open, which would hold a sync worker each."""
    directory = tmp_path_factory.mktemp("browser")
    environment = {"WHITENOISE_USE_FINDERS": "true", "GUNICORN_THREADS": "8"}
    instance = Instance.copy_of(sqlite_databases["imported"], directory, **environment).serve()
    yield instance.base_url.removesuffix("/2.3.0")
    instance.stop()


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    """Headless Chromium, after the server: closed first, its idle connections do not hold up the server's
    stop."""
    assert CHROMEDRIVER, "bin/test sets CHROMEDRIVER"
    # Chromium leaves its singleton socket's folder in TMPDIR when it quits (one in /tmp a run, without this).
    temporary = {"TMPDIR": str(tmp_path_factory.mktemp("chromium"))}
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(
        executable_path=CHROMEDRIVER,
        env=os.environ | temporary,
        popen_kw={"preexec_fn": ending_with_this_process()},
    )
    driver = webdriver.Chrome(service=service, options=options)
    yield driver
    driver.quit()


def waiting(browser, seconds):
    """A wait that looks again every 0.05 s (Selenium's 0.5 s is most of the wait for a page served here)."""
    return WebDriverWait(browser, seconds, poll_frequency=0.05)


def network_events(driver):
    """The DevTools network events since the last call."""
    return [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]


@pytest.mark.parametrize(("path", "status", "rendered"), PAGES)
def test_each_page_loads_everything_from_this_host_without_errors(server, browser, path, status, rendered):
    network_events(browser), browser.get_log("browser")  # forget what came before
    browser.get(f"{server}{path}")
    waiting(browser, 20).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, rendered)))
    events = network_events(browser)
    requested = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    assert requested and all(
        urlsplit(url).netloc in ("", urlsplit(server).netloc)
        for url in requested
        if not url.startswith(("data:", "blob:"))
    ), requested
    assert not [e for e in events if e["method"] == "Network.loadingFailed"]
    statuses = {
        e["params"]["response"]["url"]: e["params"]["response"]["status"]
        for e in events
        if e["method"] == "Network.responseReceived"
    }
    assert statuses.pop(f"{server}{path}") == status
    assert all(code < 400 for code in statuses.values()), statuses
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    page_status = f"the server responded with a status of {status}"
    assert [message for message in errors if page_status not in message] == []


def test_the_filter_form_gives_the_filtered_list(server, browser):
    browser.get(f"{server}/2.3.0/events/")
    # Keys typed while Bootstrap fades the form in are lost: once shown, it gives the focus to the modal.
    browser.execute_script(
        "$('#filtersModal').one('shown.bs.modal', function () { this.dataset.shown = 'true'; });"
    )
    browser.find_element(By.CSS_SELECTOR, "button[data-target='#filtersModal']").click()
    waiting(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#filtersModal[data-shown]"))
    )
    field = browser.find_element(By.NAME, "type__ids")
    field.send_keys("2")
    field.submit()
    waiting(browser, 10).until(expected_conditions.url_contains("type__ids=2"))
    expected = http_get(f"{server}/2.3.0/events/?type__ids=2").json()["count"]
    assert f'"count": {expected},' in browser.find_element(By.CSS_SELECTOR, ".response-info pre").text
    if os.environ.get("UPDATE_SCREENSHOT"):
        browser.get(f"{server}/2.3.0/events/?mode=list&limit=3")
        SCREENSHOT.parent.mkdir(exist_ok=True)
        browser.save_screenshot(str(SCREENSHOT))
