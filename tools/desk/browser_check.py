#!/usr/bin/python3
"""Drives the PlateWatch desk in headless Chromium, as an officer would, for the end-to-end tests.

usage: browser_check.py --url http://127.0.0.1:PORT --user U --password P --out DIR SCENARIO [options]

Scenarios:
  login                       sign in through the form, see Live go `live`, then see a wrong password refused
  live --timeout S [--count N] [--new-only]
                              print `ready` once the stream is live, then wait for N `.event` rows (without
                              reloading) and print `seen <n> <first plate>`
  watch --plate P --timeout S add P to the watchlist, print `ready` on Live, wait for the alert banner, ack it
  correct --plate P --new-plate Q --timeout S
                              correct the newest passage of P to Q; check the event page, audit log, vehicle
  viewer --timeout S [--passage ID]
                              as a viewer: an event page must not offer the correction form
  screens [--plate P]         screenshots of every page, for the README

Exit 0 on success. On failure: DIR/<scenario>-failure.png, DIR/<scenario>-console.txt (the browser console),
one line on stderr, exit 1. Exit 2 when selenium, Chromium or chromedriver is missing.
Note: `login` spends one failed sign-in (the wrong-password check); five within the lockout window lock
the user and the address, so do not loop it.
"""
import argparse
import os
import shutil
import sys
import time
from urllib.parse import quote, urlsplit

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                            WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # main() reports it and exits 2
    webdriver = None

WRONG_PASSWORD = "not-the-password-0"
WATCH_REASON = "stolen truck (test)"
CORRECTION_REASON = "misread at night (test)"
PAGE_TIMEOUT = 20  # seconds for a page's own data to load; scenario waits use --timeout


class Failed(Exception):
    """A check did not hold; the message is the one line printed on stderr."""


def vanished(err):
    """Whether a browser error means the element was replaced while we used it. Chromium reports some of
    these as a generic inspector error, not a stale element."""
    return isinstance(err, (StaleElementReferenceException, NoSuchElementException)) \
        or "does not belong to the document" in str(err)


def normalize_plate(text):
    # The same rule as the pages (app.js normalizePlate): upper case, no spaces, dashes or dots.
    return "".join(ch for ch in (text or "").upper() if not ch.isspace() and ch not in "-.")


class Desk:
    """One browser session against one desk server, with the waits every scenario needs."""

    def __init__(self, driver, args):
        self.driver = driver
        self.args = args
        self.base = args.url.rstrip("/")

    # ---- primitives

    def open(self, path):
        self.driver.get(self.base + path)

    def path(self):
        return urlsplit(self.driver.current_url).path

    def wait(self, what, condition, timeout=PAGE_TIMEOUT):
        """Polls `condition(driver)` until it returns something truthy; Failed names `what` on timeout."""
        # Rows are re-rendered while we look at them (live updates, refreshes): a vanished element is retried.
        def polled(driver):
            try:
                return condition(driver)
            except WebDriverException as err:
                if vanished(err):
                    return False
                raise
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(polled)
        except TimeoutException:
            raise Failed(f"timed out after {timeout:g} s waiting for {what} (at {self.driver.current_url})") from None

    def retried(self, action, tries=20):
        """Runs `action` again while the element it touches vanishes under it (a page replacing its nodes)."""
        for attempt in range(tries):
            try:
                return action()
            except WebDriverException as err:
                if not vanished(err) or attempt == tries - 1:
                    raise
            time.sleep(0.1)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def click(self, css):
        self.retried(lambda: self.find(css).click())

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css):
        found = self.find_all(css)
        return bool(found) and found[0].is_displayed()

    def text(self, css):
        found = self.find_all(css)
        return found[0].text.strip() if found else ""

    def fill(self, css, value):
        def typed():
            field = self.find(css)
            field.clear()
            field.send_keys(value)
        self.retried(typed)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(self.args.out, name))

    def wait_images(self):
        # Crops and thumbnails make the screenshots; a missing one (404) still counts as complete.
        self.wait("images to load", lambda d: d.execute_script(
            "return [...document.images].every((i) => i.complete)"), timeout=10)

    # ---- steps shared by scenarios

    def sign_in(self, password=None, expect_ok=True):
        """Signs in through the form on /login; returns when the desk knows who is signed in."""
        self.open("/login?next=" + quote("/"))
        self.wait("the sign-in form", lambda d: self.visible("#username"))
        self.fill("#username", self.args.user)
        self.fill("#password", password if password is not None else self.args.password)
        self.click("#login")
        if not expect_ok:
            return self.wait("#login-error after a wrong password", lambda d: self.visible("#login-error") and self.text("#login-error"))
        self.wait("the sign-in to finish", lambda d: self.path() != "/login" or self.visible("#login-error"))
        if self.path() == "/login":
            raise Failed(f"sign-in refused for {self.args.user}: {self.text('#login-error')}")
        self.wait_signed_in()

    def wait_signed_in(self):
        # app.js fills #me-role only after /api/me answered and role-dependent controls were set.
        return self.wait("the signed-in user in the top bar", lambda d: self.text("#me-role"))

    def wait_live(self, timeout=20):
        self.wait("#connection to read 'live'", lambda d: self.text("#connection") == "live", timeout=timeout)

    def search_until_found(self, query, timeout):
        """Opens /search?query and searches again every second until a `.result` row appears."""
        self.open("/search?" + query)
        self.wait_signed_in()
        deadline = time.monotonic() + timeout
        while True:
            self.wait("the search to answer", lambda d: self.text("#page-info").startswith("page ") or self.visible("#search-error"))
            if self.visible("#search-error"):
                raise Failed("search failed: " + self.text("#search-error"))
            if self.find_all("#results .result"):
                return self.find_all("#results .result")
            if time.monotonic() >= deadline:
                raise Failed(f"no passage found by /search?{query} within {timeout:g} s")
            time.sleep(1)
            self.driver.execute_script("document.getElementById('page-info').textContent = ''")
            self.click("#search")

    def open_event(self, href):
        self.driver.get(href)
        self.wait_signed_in()
        self.wait("the passage to load", lambda d: self.text("#event-plate") not in ("", "…") or self.visible("#event-error"))
        if self.visible("#event-error"):
            raise Failed("event page: " + self.text("#event-error"))


# ---------------------------------------------------------------- scenarios

def scenario_login(desk, args):
    desk.open("/")
    desk.wait("the redirect to /login", lambda d: desk.path() == "/login")
    desk.wait("the sign-in form", lambda d: desk.visible("#username"))
    if desk.visible("#login-error"):
        raise Failed("the sign-in page shows an error before any attempt: " + desk.text("#login-error"))
    desk.fill("#username", args.user)
    desk.shot("login.png")
    desk.fill("#password", args.password)
    desk.click("#login")
    desk.wait("the sign-in to finish", lambda d: desk.path() != "/login" or desk.visible("#login-error"))
    if desk.path() != "/":
        raise Failed(f"after sign-in expected the Live page, got {desk.driver.current_url}: {desk.text('#login-error')}")
    desk.wait_live(timeout=20)
    desk.shot("live-empty.png")

    desk.click("#logout")
    desk.wait("the sign-out to reach /login", lambda d: desk.path() == "/login")
    message = desk.sign_in(password=WRONG_PASSWORD, expect_ok=False)
    if "Wrong user name or password" not in message:
        raise Failed(f"a wrong password showed {message!r}")


def scenario_live(desk, args):
    desk.sign_in()
    desk.open("/")
    desk.wait_signed_in()
    desk.wait_live(timeout=20)
    desk.wait("the recent passages to load", lambda d: desk.find_all("#live[data-loaded]") or desk.visible("#live-error"))
    if desk.visible("#live-error"):
        raise Failed("Live page: " + desk.text("#live-error"))
    before = set()
    if args.new_only:
        before = {e.get_attribute("data-passage") for e in desk.find_all("#live .event")}
    print("ready", flush=True)

    def enough(_):
        rows = desk.find_all("#live .event")
        if args.new_only:
            rows = [r for r in rows if r.get_attribute("data-passage") not in before]
        return rows if len(rows) >= args.count else None

    rows = desk.wait(f"{args.count} passage(s) on the Live page", enough, timeout=args.timeout)
    first = rows[0].find_element(By.CSS_SELECTOR, ".plate").text.strip()
    print(f"seen {len(rows)} {first}", flush=True)
    desk.wait_images()
    desk.shot("live.png")


def scenario_watch(desk, args):
    plate = normalize_plate(require(args.plate, "--plate"))
    desk.sign_in()
    desk.open("/watchlist")
    desk.wait_signed_in()
    desk.wait("the watchlist form (needs an operator or admin)", lambda d: desk.visible("#watch-form"))
    desk.fill("#watch-plate", args.plate)
    desk.fill("#watch-reason", WATCH_REASON)
    desk.click("#watch-add")
    row = f'#watchlist .watch[data-plate="{plate}"]'
    desk.wait(f"{plate} in the watchlist", lambda d: desk.find_all(row) or desk.visible("#watch-error"))
    if not desk.find_all(row):
        raise Failed("adding to the watchlist failed: " + desk.text("#watch-error"))

    desk.open("/")
    desk.wait_signed_in()
    desk.wait_live(timeout=20)
    print("ready", flush=True)

    def banner_for_plate(_):
        return desk.visible("#alert-banner") and plate in normalize_plate(desk.text("#alert-banner"))

    try:
        desk.wait(f"the alert banner for {plate}", banner_for_plate, timeout=args.timeout)
    except Failed as failure:
        if desk.visible("#alert-banner"):
            raise Failed(f"{failure}; the banner shows another alert: {desk.text('#alert-banner')!r}") from None
        raise
    desk.shot("alert.png")
    alert_id = desk.find("#alert-banner").get_attribute("data-alert-id")
    desk.click("#alert-ack")
    desk.wait("the acknowledged alert to leave the banner", lambda d: not desk.visible("#alert-banner")
              or desk.find("#alert-banner").get_attribute("data-alert-id") != alert_id)


def scenario_correct(desk, args):
    old = normalize_plate(require(args.plate, "--plate"))
    new = normalize_plate(require(args.new_plate, "--new-plate"))
    desk.sign_in()
    results = desk.search_until_found("plate=" + quote(old), args.timeout)
    href = results[0].find_element(By.CSS_SELECTOR, "a.details").get_attribute("href")
    desk.open_event(href)
    desk.wait("the correction form (needs an operator or admin)", lambda d: desk.visible("#correct-form"))
    desk.fill("#new-plate", args.new_plate)
    desk.fill("#reason", CORRECTION_REASON)
    desk.click("#correct")

    def corrected(_):
        if desk.visible("#correct-error"):
            raise Failed("the correction was refused: " + desk.text("#correct-error"))
        return (desk.visible("#event-original") and old in normalize_plate(desk.text("#event-original"))
                and normalize_plate(desk.text("#event-plate")) == new)

    desk.wait(f"the event page to show {new}, originally {old}", corrected, timeout=args.timeout)
    desk.wait_images()
    desk.shot("event.png")

    desk.open("/audit")
    desk.wait_signed_in()
    desk.wait(f"an audit entry naming {new}", lambda d: any(
        new in normalize_plate(r.text) for r in desk.find_all("#audit .audit-row")), timeout=args.timeout)
    desk.shot("audit.png")

    desk.open("/vehicle?plate=" + quote(new))
    desk.wait_signed_in()
    desk.wait(f"the passages of {new}", lambda d: desk.find_all("#passages .passage") or desk.visible("#vehicle-error"))
    if desk.visible("#vehicle-error"):
        raise Failed("vehicle page: " + desk.text("#vehicle-error"))
    desk.wait_images()
    desk.shot("vehicle.png")


def scenario_viewer(desk, args):
    desk.sign_in()
    if args.passage:
        desk.open_event(desk.base + "/event?id=" + quote(args.passage))
    else:
        results = desk.search_until_found("match=prefix&plate=", args.timeout)
        desk.open_event(results[0].find_element(By.CSS_SELECTOR, "a.details").get_attribute("href"))
    role = desk.text("#me-role")
    if desk.visible("#correct-form"):
        raise Failed(f"#correct-form is shown to {args.user} (role {role}); a viewer must not see it")
    if any(a.text.strip() == "Users" for a in desk.find_all("#topbar nav a")) and role != "admin":
        raise Failed(f"the Users link is shown to {args.user} (role {role})")
    desk.wait_images()
    desk.shot("viewer.png")


def scenario_screens(desk, args):
    desk.sign_in()
    plate = normalize_plate(args.plate) if args.plate else ""
    pages = [
        ("live.png", "/", "#live[data-loaded]"),
        ("search.png", "/search?match=prefix&plate=" + quote(plate), "#results tr"),
        ("watchlist.png", "/watchlist", "#watchlist tr"),
        ("cameras.png", "/cameras", "#cameras tr"),
        ("yards.png", "/yards", "#yards tr"),
        ("audit.png", "/audit", "#audit tr"),
        ("account.png", "/account", "#password-form"),
    ]
    if plate:
        pages.insert(2, ("vehicle.png", "/vehicle?plate=" + quote(plate), "#passages tr"))
    for name, path, ready in pages:
        desk.open(path)
        desk.wait_signed_in()
        desk.wait(f"{path} to show its data", lambda d, css=ready: desk.find_all(css))
        if path == "/":
            desk.wait_live(timeout=20)
        desk.wait_images()
        desk.shot(name)


SCENARIOS = {
    "login": scenario_login,
    "live": scenario_live,
    "watch": scenario_watch,
    "correct": scenario_correct,
    "viewer": scenario_viewer,
    "screens": scenario_screens,
}


def require(value, flag):
    if not value:
        raise Failed(f"this scenario needs {flag}")
    return value


# ---------------------------------------------------------------- driver and main

def find_program(explicit, names):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in names:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


def start_driver(chromium, chromedriver):
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                 "--disable-dev-shm-usage", "--lang=en-US"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(10)
    return driver


def save_failure(driver, out, scenario, reason):
    try:
        driver.save_screenshot(os.path.join(out, f"{scenario}-failure.png"))
    except Exception as err:  # the browser may be the thing that failed
        reason += f" (no screenshot: {err.__class__.__name__})"
    lines = [f"# {scenario}: {reason}", f"# url: {safe(lambda: driver.current_url)}"]
    try:
        for entry in driver.get_log("browser"):
            lines.append(f"{entry.get('timestamp')} {entry.get('level')} {entry.get('message')}")
    except Exception as err:
        lines.append(f"# browser log unavailable: {err.__class__.__name__}: {err}")
    with open(os.path.join(out, f"{scenario}-console.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def first_line(err):
    text = (getattr(err, "msg", None) or str(err) or err.__class__.__name__).strip()
    return text.splitlines()[0] if text else err.__class__.__name__


def safe(fn):
    try:
        return fn()
    except Exception:
        return "?"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the desk, e.g. http://127.0.0.1:8080")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", default=".", help="folder for screenshots and failure logs")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for what the scenario expects")
    parser.add_argument("--count", type=int, default=1, help="live: passages to wait for")
    parser.add_argument("--new-only", action="store_true", help="live: count only passages that arrive after `ready`")
    parser.add_argument("--plate")
    parser.add_argument("--new-plate")
    parser.add_argument("--passage", help="viewer: the passage id to open")
    parser.add_argument("--chromium", help="browser binary (default: chromium on PATH)")
    parser.add_argument("--chromedriver", help="driver binary (default: chromedriver on PATH)")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if webdriver is None:
        print("browser_check: selenium is not installed (pip install --break-system-packages selenium)", file=sys.stderr)
        return 2
    chromium = find_program(args.chromium, ["chromium", "chromium-browser", "/usr/bin/chromium"])
    chromedriver = find_program(args.chromedriver, ["chromedriver", "/usr/bin/chromedriver"])
    if not chromium or not chromedriver:
        missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", chromedriver)) if not p)
        print(f"browser_check: {missing} not found (apt-get install chromium chromium-driver)", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    # Selenium must use the drivers given here and never try to download one: the boxes are offline.
    os.environ.setdefault("SE_OFFLINE", "true")

    try:
        driver = start_driver(chromium, chromedriver)
    except WebDriverException as err:
        print(f"browser_check: cannot start Chromium: {first_line(err)}", file=sys.stderr)
        return 1
    try:
        SCENARIOS[args.scenario](Desk(driver, args), args)
        return 0
    except (Failed, WebDriverException) as err:
        reason = str(err) if isinstance(err, Failed) else f"browser error: {first_line(err)}"
        save_failure(driver, args.out, args.scenario, reason)
        print(f"browser_check {args.scenario}: {reason}", file=sys.stderr)
        return 1
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
