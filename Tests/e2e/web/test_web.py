"""The web pages in headless Chromium (Selenium), against a live sandbox opub-server.

Every step checks the browser console: any error (a failed request, a CSP violation, a script error)
fails the test. Screenshots of each page at 1280 and 375 px wide go to $OPUB_WEB_ARTIFACTS, and at
375 px no page may be wider than the window (tables scroll inside their own box).
"""

import base64
import hashlib
import hmac
import os
import pathlib
import re
import secrets as random_tokens
import shutil
import subprocess
import tempfile
import time

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["OPUB_URL"].rstrip("/")
ARTIFACTS = pathlib.Path(os.environ["OPUB_WEB_ARTIFACTS"])
CHROMIUM = os.environ.get("OPUB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("OPUB_CHROMEDRIVER", "/usr/bin/chromedriver")


class Browser:
    """One Chromium window and the console errors it has shown."""

    def __init__(self, journey: str):
        options = Options()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                         "--disable-gpu", "--hide-scrollbars"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(30)
        self.journey = journey
        self.shots = 0
        self.errors = []

    def close(self):
        self.driver.quit()

    def check_console(self, where: str, expect_status=None):
        """Fails on any console error. The one exception is the page the test itself expects to answer
        `expect_status` (a refused form is 422, a missing page 404): Chromium logs the document's own
        status as "Failed to load resource", and exactly that one entry is allowed."""
        expected = None
        if expect_status:
            expected = f"{self.driver.current_url} - Failed to load resource: the server responded with a status of {expect_status} "
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            if expected and entry["message"].startswith(expected):
                expected = None
                continue
            self.errors.append(f"{where}: {entry['message']}")
        assert not self.errors, "browser console errors:\n" + "\n".join(self.errors)
        assert expected is None, f"{where}: expected the page to answer {expect_status}"

    def visit(self, path: str, expect_status=None):
        self.driver.get(URL + path)
        self.check_console(path, expect_status)

    def click(self, locator, wait_for_url=None, expect_status=None):
        """Clicks a link or a submit button and waits for the next page to be loaded: the old document
        goes stale first (a form may post back to the same URL, so the URL alone cannot tell)."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(*locator).click()
        wait = WebDriverWait(self.driver, 30)
        wait.until(EC.staleness_of(old))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
        if wait_for_url:
            wait.until(EC.url_matches(wait_for_url))
        self.check_console(self.driver.current_url, expect_status)

    def fill(self, element_id: str, text: str):
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(text)

    @property
    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    @property
    def path(self) -> str:
        return self.driver.current_url[len(URL):]

    def screenshot(self, name: str):
        """Full-page screenshots at 1280 and 375 px; at 375 the page must not scroll sideways."""
        self.shots += 1
        self.driver.execute_script("window.scrollTo(0, 0)")
        for width in (1280, 375):
            self.driver.set_window_size(width, 900)
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(width, min(max(height, 600), 6000))
            file = ARTIFACTS / f"{self.journey}-{self.shots:02d}-{name}-{width}.png"
            self.driver.save_screenshot(str(file))
            if width == 375:
                overflow = self.driver.execute_script(
                    "return document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{name} is {overflow}px wider than a 375px window"
        self.driver.set_window_size(1280, 900)
        self.check_console(f"screenshot {name}")

    def sign_in(self, login: str):
        self.click((By.LINK_TEXT, "Sign in"), wait_for_url=r".*/auth/sandbox.*")
        self.fill("login", login)
        self.click((By.CSS_SELECTOR, "form[action='/auth/sandbox'] button[type=submit]"))
        assert login in self.driver.find_element(By.CSS_SELECTOR, ".site-nav").text


@pytest.fixture
def browser(request):
    session = Browser(request.node.name.removeprefix("test_"))
    yield session
    try:
        session.check_console("end of test")
    finally:
        session.close()


def api_session(login: str) -> requests.Session:
    """A JSON client signed in through the sandbox (for seeding data the journey then finds)."""
    http = requests.Session()
    answer = http.post(f"{URL}/auth/sandbox", json={"login": login}, timeout=10)
    answer.raise_for_status()
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return http


def seed_donation(http: requests.Session, project: str, amount: str):
    created = http.post(f"{URL}/api/v1/projects/{project}/donations", json={"amount": amount}, timeout=10)
    assert created.status_code == 201, created.text
    session = created.json()["checkout_url"].rsplit("/", 1)[-1]
    paid = http.post(f"{URL}/sandbox/checkout/{session}/complete", timeout=10)
    assert paid.status_code == 200, paid.text


def linked_agent_session(secret: str, key_id: str):
    """What `opub run claude` does on the wire, by hand: link a session with the key's link token, make one
    chat completion through the sandbox provider carrying the session id, end the session (which triggers
    a targeted reconcile of the key)."""
    token = base64.urlsafe_b64encode(
        hmac.new(secret.encode(), f"opub-link/v1/{key_id}".encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    cli = requests.Session()
    cli.headers["Authorization"] = f"Bearer {token}"
    session = "ls_" + random_tokens.token_hex(12)
    started = cli.put(f"{URL}/api/v1/cli/sessions/{session}", timeout=10,
                      json={"key_id": key_id, "surface": "claude", "cli_version": "e2e", "os": "linux"})
    assert started.status_code == 201, started.text
    chat = requests.post(f"{URL}/sandbox/openrouter/api/v1/chat/completions", timeout=30,
                         headers={"Authorization": f"Bearer {secret}", "x-session-id": session},
                         # The simulator's `[sim:tokens=N]` asks for N completion tokens: 20,000 of Claude Sonnet 4.6
                         # cost $0.30, an amount the page shows in cents.
                         json={"model": "anthropic/claude-sonnet-4.6",
                               "messages": [{"role": "user", "content": "Refactor the parser [sim:tokens=20000]"}]})
    assert chat.status_code == 200, chat.text
    ended = cli.post(f"{URL}/api/v1/cli/sessions/{session}/end", json={"reason": "exited", "exit_code": 0},
                     timeout=10)
    assert ended.status_code == 204, ended.text


def stat(browser: Browser, label: str) -> str:
    """The value of a `<dt>label</dt><dd>value</dd>` pair on the page."""
    return browser.driver.find_element(
        By.XPATH, f"//dl[contains(@class,'stats')]//dt[normalize-space()='{label}']/following-sibling::dd[1]").text


def ledger_rows(browser: Browser) -> int:
    return len(browser.driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=entries-heading] tbody tr"))


def test_donor_journey(browser):
    seed_donation(api_session("seed-donor"), "acme/widgets", "5.00")
    seed_donation(api_session("seed-donor"), "acme/gadgets", "8.00")

    browser.visit("/")
    assert "Sandbox mode" in browser.text
    browser.screenshot("landing")
    browser.sign_in("ada")

    # Find the project through the directory's search.
    browser.click((By.LINK_TEXT, "Projects"), wait_for_url=r".*/projects$")
    browser.fill("q", "widg")
    browser.click((By.CSS_SELECTOR, "form[role=search] button[type=submit]"), wait_for_url=r".*q=widg.*")
    assert "acme/widgets" in browser.text and "acme/gadgets" not in browser.text
    browser.screenshot("directory")
    browser.click((By.LINK_TEXT, "acme/widgets"), wait_for_url=r".*/github/acme/widgets$")
    assert stat(browser, "Balance") == "$5.00"
    browser.screenshot("project-before")

    browser.visit("/github/acme/widgets/ledger")
    rows_before = ledger_rows(browser)
    assert rows_before == 1

    # Donate through the sandbox checkout.
    browser.visit("/github/acme/widgets")
    browser.click((By.PARTIAL_LINK_TEXT, "Donate to acme/widgets"), wait_for_url=r".*/donate$")
    browser.fill("amount", "0.10")
    browser.click((By.CSS_SELECTOR, "form[action$='/donate'] button[type=submit]"), expect_status=422)
    assert "The smallest donation is $1.00." in browser.text
    browser.screenshot("donate-refused")
    browser.fill("amount", "25.00")
    browser.fill("display_name", "Ada <Lovelace>")
    browser.fill("message", "For the <b>widgets</b> & gadgets")
    browser.screenshot("donate")
    browser.click((By.CSS_SELECTOR, "form[action$='/donate'] button[type=submit]"),
                  wait_for_url=r".*/sandbox/checkout/cs_sandbox_.*")
    assert "Donate $25.00 to acme/widgets as Ada <Lovelace>" in browser.text
    browser.screenshot("checkout")
    browser.click((By.XPATH, "//button[contains(., 'Pay $25.00')]"), wait_for_url=r".*/github/acme/widgets\?donation=.*")

    # The balance grew, the donation is listed with its public attribution, escaped as text.
    assert "Thank you! Your donation of $25.00" in browser.text
    assert stat(browser, "Balance") == "$30.00"
    donations = browser.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=donations-heading]").text
    assert "Ada <Lovelace>" in donations and "For the <b>widgets</b> & gadgets" in donations
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=donations-heading] b")
    browser.screenshot("project-after")

    # The ledger grew by the donation.
    browser.click((By.LINK_TEXT, "Ledger"), wait_for_url=r".*/ledger$")
    assert ledger_rows(browser) == rows_before + 1
    assert "+$25.00" in browser.text
    browser.screenshot("ledger")

    browser.visit("/me")
    assert "acme/widgets" in browser.text and "completed" in browser.text
    browser.screenshot("me")
    for path, name in (("/docs", "docs"), ("/docs/cli", "docs-cli"), ("/glossary", "glossary")):
        browser.visit(path)
        browser.screenshot(name)
    browser.visit("/github/nobody/nothing", expect_status=404)
    assert "nobody/nothing has no page yet" in browser.text
    browser.screenshot("missing-project")


def run_printed_commands(install_line, setup_line, secret):
    """The key page's step 1 and 2 as a newcomer runs them: copied from the page, on a machine without
    Swift (a fresh HOME, PATH=/usr/bin:/bin), in a clone of the project."""
    home = tempfile.mkdtemp(prefix="opub-web-home-")
    try:
        env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        installed = subprocess.run(["sh", "-c", install_line], env=env, cwd=home, capture_output=True, text=True,
                                   timeout=120)
        assert installed.returncode == 0, installed.stderr
        env["PATH"] = f"{home}/.local/bin:" + env["PATH"]
        repo = os.path.join(home, "tool")
        os.makedirs(repo)
        subprocess.run(["git", "init", "-q"], cwd=repo, env=env, check=True)
        subprocess.run(["git", "remote", "add", "origin", "https://github.com/maya-org/tool.git"], cwd=repo, env=env,
                       check=True)
        setup = subprocess.run(["sh", "-c", setup_line], env={**env, "OPUB_PROVIDER_KEY": secret}, cwd=repo,
                               capture_output=True, text=True, timeout=120)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        assert "Next: opub run claude" in setup.stdout
        assert secret not in setup.stdout + setup.stderr + installed.stderr
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_maintainer_journey(browser):
    browser.visit("/")
    browser.sign_in("maya")

    # A repository without a page: claim it from there.
    browser.visit("/github/maya-org/tool", expect_status=404)
    assert "maya-org/tool has no page yet" in browser.text
    browser.click((By.XPATH, "//button[normalize-space()='Claim maya-org/tool']"),
                  wait_for_url=r".*/github/maya-org/tool/keys\?claimed=1$")
    assert "You are a verified maintainer of this project." in browser.text
    assert "No keys yet." in browser.text

    # Fund it (a maintainer may donate too), then create a key.
    browser.visit("/github/maya-org/tool/donate")
    browser.fill("amount", "20.00")
    browser.click((By.CSS_SELECTOR, "form[action$='/donate'] button[type=submit]"),
                  wait_for_url=r".*/sandbox/checkout/.*")
    browser.click((By.XPATH, "//button[contains(., 'Pay $20.00')]"), wait_for_url=r".*/github/maya-org/tool\?donation=.*")
    browser.click((By.LINK_TEXT, "Compute keys"), wait_for_url=r".*/keys$")
    assert stat(browser, "Available for new keys") == "$20.00"
    browser.fill("key-name", "laptop")
    browser.fill("key-limit", "5.00")
    browser.screenshot("keys-empty")
    browser.click((By.XPATH, "//button[normalize-space()='Create key']"))
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Key “laptop” created"

    # The secret, once, with its warning and a working copy button.
    secret = browser.driver.find_element(By.ID, "secret").text
    assert re.fullmatch(r"sk-or-v1-[0-9a-f]{64}", secret), "a provider secret"
    assert "shown only once" in browser.text
    copy = browser.driver.find_element(By.CSS_SELECTOR, "button[data-copy=secret]")
    assert copy.is_displayed(), "the copy button is shown once its script runs"
    copy.click()
    WebDriverWait(browser.driver, 5).until(lambda d: d.find_element(By.ID, "secret-status").text != "")
    browser.check_console("copy button")
    key_id = re.search(r"ck_[a-z0-9]+", browser.driver.find_element(By.ID, "setup-claude").text).group(0)
    for surface in ("claude", "codex", "copilot", "vibe", "opencode", "continue"):
        command = browser.driver.find_element(By.ID, f"setup-{surface}").text
        assert command == f"opub setup {surface} --project maya-org/tool --compute-key-id {key_id} --server {URL}"
    assert f"curl -fsSL {URL}/install.sh | sh" in browser.text
    run_printed_commands(browser.driver.find_element(By.ID, "install-line").text,
                         browser.driver.find_element(By.ID, "setup-claude").text, secret)
    browser.driver.find_element(By.XPATH, "//summary[contains(., 'Claude Code: environment variables')]").click()
    assert "ANTHROPIC_AUTH_TOKEN" in browser.text
    browser.screenshot("key-created")

    # Reloading re-posts the form: no second key, and the secret is not shown again.
    page = browser.driver.find_element(By.TAG_NAME, "html")
    browser.driver.refresh()
    WebDriverWait(browser.driver, 30).until(EC.staleness_of(page))
    WebDriverWait(browser.driver, 30).until(lambda d: "/keys" in d.current_url
                                            and d.execute_script("return document.readyState") == "complete")
    browser.check_console("reload")
    assert secret not in browser.driver.page_source
    assert "was already created from that form" in browser.text
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=keys-heading] tbody tr")) == 1
    assert stat(browser, "Available for new keys") == "$15.00"
    browser.screenshot("keys-after-reload")
    # Back and forward do not bring it back either (the answer was never stored).
    browser.driver.back()
    browser.driver.forward()
    assert secret not in browser.driver.page_source

    # An agent session linked through the CLI routes spends on the key; the public page shows it.
    linked_agent_session(secret, key_id)
    for _ in range(100):
        browser.visit("/github/maya-org/tool")
        if stat(browser, "Spent") == "$0.30":
            break
        time.sleep(0.3)
    # The ledger has the spend at once; its breakdown by model comes from the provider the next day.
    note = browser.driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=usage-heading] [data-detail-note]")
    assert note and "arrives the next day" in note[0].text, browser.text
    assert stat(browser, "Spent") == "$0.30"
    assert stat(browser, "Reserved by keys") == "$4.70"
    assert "100% of $0.30 was spent in linked sessions" in browser.text
    assert browser.driver.find_elements(By.CSS_SELECTOR, ".chart rect.linked")
    sessions = browser.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=sessions-heading]").text
    assert "Claude Code" in sessions
    # The request itself, from the trace the sandbox provider broadcast to this server: linked by the
    # session id it carried, its cost beside it; settled, since the session's end posted its spend.
    requests_section = browser.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=requests-heading]")
    rows = requests_section.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1, requests_section.text
    assert "anthropic/claude-sonnet-4.6" in rows[0].text and "$0.30" in rows[0].text, rows[0].text
    assert "Linked" in rows[0].text and "ls_" in rows[0].text, rows[0].text
    assert "from provider traces" not in rows[0].text, rows[0].text
    assert secret not in browser.driver.page_source
    browser.screenshot("project-with-spend")

    # Rotate, with a confirmation step: a new secret once, the old key disabled, the money unmoved.
    browser.visit("/github/maya-org/tool/keys")
    browser.click((By.LINK_TEXT, "Rotate…"), wait_for_url=rf".*/keys/{key_id}/rotate$")
    assert "Rotate “laptop”?" in browser.text and "moves to the new key" in browser.text
    browser.screenshot("rotate-confirm")
    browser.click((By.XPATH, "//button[normalize-space()='Rotate laptop']"))
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Key “laptop” rotated"
    new_secret = browser.driver.find_element(By.ID, "secret").text
    assert re.fullmatch(r"sk-or-v1-[0-9a-f]{64}", new_secret) and new_secret != secret
    assert f"replaces {key_id}" in browser.text.replace("\n", " ")
    old_key_id, key_id = key_id, re.search(r"ck_[a-z0-9]+", browser.driver.find_element(By.ID, "setup-claude").text).group(0)
    assert key_id != old_key_id
    browser.screenshot("key-rotated")
    browser.visit("/github/maya-org/tool/keys")
    assert new_secret not in browser.driver.page_source and secret not in browser.driver.page_source
    old_row = browser.driver.find_element(By.ID, f"key-{old_key_id}").text
    assert "Disabled" in old_row and f"rotated, replaced by {key_id}" in old_row, old_row
    assert "Active" in browser.driver.find_element(By.ID, f"key-{key_id}").text
    assert stat(browser, "Available for new keys") == "$15.00"
    secret = new_secret

    # Revoke, with a confirmation step.
    browser.click((By.XPATH, f"//tr[@id='key-{key_id}']//a[normalize-space()='Revoke…']"),
                  wait_for_url=rf".*/keys/{key_id}/revoke$")
    assert "Revoke “laptop”?" in browser.text
    browser.screenshot("revoke-confirm")
    browser.click((By.XPATH, "//button[normalize-space()='Revoke laptop']"), wait_for_url=r".*/keys\?revoked=.*")
    assert "Key “laptop” is revoked" in browser.text
    row = browser.driver.find_element(By.ID, f"key-{key_id}").text
    assert "Disabled" in row and "revoked" in row
    assert secret not in browser.driver.page_source
    browser.screenshot("keys-revoked")

    # A monthly allowance key: reserved for this month now, renewed on the 1st.
    browser.fill("key-name", "nightly ci")
    browser.fill("key-limit", "3.00")
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=renews][value=monthly]").click()
    browser.click((By.XPATH, "//button[normalize-space()='Create key']"))
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Key “nightly ci” created"
    assert "$3.00 per month" in browser.text and "renews on" in browser.text, browser.text
    monthly_secret = browser.driver.find_element(By.ID, "secret").text
    browser.visit("/github/maya-org/tool/keys")
    monthly_row = browser.driver.find_element(
        By.XPATH, "//tr[.//strong[normalize-space()='nightly ci']]").text
    assert "$3.00 / month" in monthly_row and "renews on" in monthly_row, monthly_row
    browser.screenshot("keys-monthly")

    # Direct use: a request on the key with no opub session running. The next reconcile cycle posts its
    # spend as unlinked, and the keys page shows the alert.
    direct = requests.post(f"{URL}/sandbox/openrouter/api/v1/chat/completions", timeout=30,
                           headers={"Authorization": f"Bearer {monthly_secret}"},
                           json={"model": "anthropic/claude-sonnet-4.6",
                                 "messages": [{"role": "user", "content": "Hello [sim:tokens=2000]"}]})
    assert direct.status_code == 200, direct.text
    alerts = ""
    for _ in range(60):
        browser.visit("/github/maya-org/tool/keys")
        tables = browser.driver.find_elements(By.CSS_SELECTOR, "table[data-alerts]")
        alerts = tables[0].text if tables else ""
        if "“nightly ci”" in alerts:
            break
        time.sleep(0.5)
    assert "Key “nightly ci” spent $0.03" in alerts and "while none of its opub sessions ran" in alerts, alerts
    browser.screenshot("keys-alert")

    browser.visit("/me")
    assert "maya-org/tool" in browser.text
    browser.screenshot("me")
