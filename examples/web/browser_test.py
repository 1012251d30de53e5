#!/usr/bin/python3
"""browser_test.py: walks every page of the web example in headless Chromium, as a person would.

A person with a phone: the phone is oathtool, which computes the codes of the secret that the enrollment
page's QR code carries (read from a screenshot with zbarimg). Prints "ok - ..." for each check and
"not ok - ..." at the first that fails (the walk stops there: each step needs the one before); exit status
1 then.

Usage (examples/web/run does this): browser_test.py URL
Environment: the PG* variables of a superuser connection to the app's database (the test ages a session's
second-factor check there, instead of waiting 5 minutes); WEB_SCREENSHOTS, a directory to keep the
screenshots of the enrollment and login pages in (docs/ for the README's).
"""

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

PERIOD = 30


class StepFailed(Exception):
    pass


def ok(description, condition, detail=""):
    if not condition:
        raise StepFailed(f"{description}: {detail}" if detail else description)
    print(f"ok - {description}", flush=True)


def info(message):
    print(f"# {message}", flush=True)


class Phone:
    """The authenticator app: oathtool over the secret read from the QR code. Every code works once (a
    success spends its 30-second step for later ones), so the phone hands out the next unspent step, waiting
    for it when it is more than the one step of clock drift the server allows ahead of now."""

    def __init__(self, secret):
        self.secret = secret
        self.last_step = None

    def code_at(self, step):
        return subprocess.run(["oathtool", "--totp", "-b", self.secret, "--now", f"@{step * PERIOD}"],
                              check=True, capture_output=True, text=True).stdout.strip()

    def next_code(self):
        now_step = int(time.time()) // PERIOD
        step = now_step if self.last_step is None else max(now_step - 1, self.last_step + 1)
        if step > now_step + 1:
            wait = step - 1 - time.time() / PERIOD
            info(f"waiting {wait * PERIOD:.0f} s for the phone's next code (each code works once)")
            time.sleep(wait * PERIOD + 0.5)
        self.last_step = step
        return self.code_at(step)

    def wrong_code(self):
        now_step = int(time.time()) // PERIOD
        near = {self.code_at(s) for s in range(now_step - 3, now_step + 4)}
        while True:
            code = f"{secrets.randbelow(10 ** 6):06d}"
            if code not in near:
                return code


class Browser:
    def __init__(self, base, screenshots):
        self.base = base
        self.screenshots = screenshots
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=820,720"):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(30)

    def get(self, path):
        self.driver.get(self.base + path)

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def title(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def has(self, css):
        return bool(self.driver.find_elements(By.CSS_SELECTOR, css))

    def fill(self, fields, button):
        for name, value in fields.items():
            element = self.driver.find_element(By.NAME, name)
            if element.get_attribute("type") == "checkbox":
                if bool(value) != element.is_selected():
                    element.click()
            else:
                element.clear()
                element.send_keys(value)
        self.click(button)

    def click(self, element_id):
        """click: clicks the element and waits until the next page has loaded. The old page is marked with a
        property of its window (a new document gets a new window object); the wait polls for an unmarked,
        complete document and ignores the errors ChromeDriver may raise while one document replaces another
        (such as "Node with given id does not belong to the document")."""
        self.driver.execute_script("window.pgMfaOldPage = true;")
        self.driver.find_element(By.ID, element_id).click()
        WebDriverWait(self.driver, 20, poll_frequency=0.05, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return !window.pgMfaOldPage && document.readyState === 'complete';"))

    def cookie(self, name):
        return self.driver.get_cookie(name)

    def screenshot(self, name):
        """A PNG of the window: in WEB_SCREENSHOTS when given (kept), else in a scratch file."""
        directory = self.screenshots or tempfile.gettempdir()
        path = os.path.join(directory, name if self.screenshots else f"{os.getpid()}-{name}")
        self.driver.get_screenshot_as_file(path)
        return path


def post_raw(url, data, headers):
    """post_raw: the status of a POST made without a browser (urllib follows no redirect of a POST here)."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def admin_sql(sql, **variables):
    """admin_sql: run SQL as the environment's superuser in the app's database (test fixtures only); values
    go in as psql variables (:'name'), never into the SQL text."""
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    subprocess.run(command, input=sql, check=True, capture_output=True, text=True)


def walk(browser, base):
    b = browser
    username = f"web-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(12)

    # -- CSRF: POSTs from another origin, or with no origin at all, are refused before anything runs.
    status = post_raw(base + "/login", {"username": username, "password": password},
                      {"Origin": "http://evil.example"})
    ok("a POST from another origin is refused (403)", status == 403, f"got {status}")
    status = post_raw(base + "/login", {"username": username, "password": password}, {})
    ok("a POST with neither Origin nor Referer is refused (403)", status == 403, f"got {status}")

    # -- Sign-up: the password alone logs in (no device yet), and the app offers enrollment.
    b.get("/signup")
    b.fill({"username": username, "password": "short"}, "signup")
    ok("sign-up refuses a password shorter than the realm's minimum",
       b.path() == "/signup" and "too short" in b.text(), f"at {b.path()}: {b.text()[:200]!r}")
    b.fill({"username": username, "password": password}, "signup")
    ok("sign-up creates the user, logs in and leads to the enrollment page",
       b.path() == "/enroll" and b.has("#enroll"), f"at {b.path()}")
    session = b.cookie("session")
    ok("the session cookie is HttpOnly and SameSite=Lax",
       session is not None and session.get("httpOnly") and session.get("sameSite") == "Lax", f"got {session}")

    # -- Enrollment: the QR code (pg_mfa's SVG in the page) read from a screenshot, as a phone reads it.
    b.fill({"name": "Test phone"}, "enroll")
    ok("enrollment shows the QR code inline and the secret as text",
       b.title() == "Scan the QR code" and b.has("#qr svg") and b.has("#secret"), f"title {b.title()!r}")
    shot = b.screenshot("web-enrollment.png")
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", shot], capture_output=True, text=True)
    if not b.screenshots:
        os.unlink(shot)
    uri = decoded.stdout.strip()
    ok("zbarimg reads an otpauth URI from the screenshot", uri.startswith("otpauth://totp/"),
       f"zbarimg status {decoded.returncode}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)
    secret = query.get("secret", [""])[0]
    shown = b.driver.find_element(By.ID, "secret").text.replace(" ", "")
    ok("the QR code's secret is the secret shown as text, and names the user",
       secret == shown and urllib.parse.unquote(urllib.parse.urlsplit(uri).path).endswith(username))
    phone = Phone(secret)

    b.fill({"code": phone.wrong_code()}, "verify")
    ok("verification refuses a wrong code", "not right" in b.text() and b.has("#verify"))
    b.fill({"code": phone.next_code()}, "verify")
    codes = [e.text for e in b.driver.find_elements(By.CSS_SELECTOR, "#recovery-codes code")]
    ok("verification with the phone's code activates the device and shows ten recovery codes once",
       b.title() == "Recovery codes" and len(set(codes)) == 10
       and all(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", c) for c in codes), f"got {len(codes)} codes")
    b.click("done")
    ok("the home page says two-step login is on, the session still at aal1 (password only)",
       "Two-step login is on" in b.text() and b.driver.find_element(By.ID, "aal").text == "aal1")

    # -- Payouts: hidden by the policy until a second factor is checked in this session (step-up).
    b.get("/payouts")
    ok("the payouts page of a password-only session offers a step-up instead of the rows",
       b.has("#step-up-needed") and not b.has("#payouts"))
    b.fill({"code": phone.wrong_code()}, "step-up")
    ok("step-up refuses a wrong code; the payouts stay hidden", "not right" in b.text() and not b.has("#payouts"))
    b.fill({"code": phone.next_code()}, "step-up")
    ok("step-up with the phone's code shows the payouts (none yet)",
       b.has("#payouts") and len(b.driver.find_elements(By.CSS_SELECTOR, "#payouts tr")) == 1)

    b.fill({"amount": "12.50", "recipient": "Alice", "code": phone.wrong_code()}, "create-payout")
    ok("a payout with a wrong code is refused and nothing is written",
       "no payout was made" in b.text() and len(b.driver.find_elements(By.CSS_SELECTOR, "#payouts tr")) == 1)
    b.fill({"amount": "12.50", "recipient": "Alice", "code": codes[0].lower().replace("-", " ")}, "create-payout")
    rows = b.driver.find_elements(By.CSS_SELECTOR, "#payouts tr")
    ok("a payout with a recovery code (step_up + INSERT in one transaction) is created and listed",
       len(rows) == 2 and "12.50" in rows[1].text and "Alice" in rows[1].text, f"{len(rows)} rows")

    # -- Log out, log in in two steps.
    b.click("logout")
    gone = b.cookie("session") is None
    b.get("/payouts")
    ok("logout ends the session: the cookie is gone and the payouts page asks for a login",
       gone and b.path() == "/login", f"at {b.path()}")
    b.fill({"username": username, "password": password + "x"}, "login")
    ok("a wrong password is refused", b.path() == "/login" and "Wrong username or password" in b.text())
    b.fill({"username": username, "password": password}, "login")
    ok("the right password leads to the second step", b.path() == "/login/code" and b.has("#verify"))
    if b.screenshots:
        b.screenshot("web-login.png")
    b.fill({"code": phone.wrong_code()}, "verify")
    ok("the second step refuses a wrong code", "not right" in b.text())
    b.fill({"code": phone.next_code()}, "verify")
    ok("the second step with the phone's code logs in at aal2",
       b.path() == "/" and b.driver.find_element(By.ID, "aal").text == "aal2", f"at {b.path()}")
    b.get("/payouts")
    ok("right after a two-step login the payouts are shown without a step-up",
       b.has("#payouts") and len(b.driver.find_elements(By.CSS_SELECTOR, "#payouts tr")) == 2)

    # -- Stale: the session's second factor checked 10 minutes ago. Rather than wait, the test moves the
    #    check back in time (as superuser, in pg_mfa's sessions table); the app does nothing special.
    admin_sql("UPDATE mfa.sessions SET mfa_at = mfa_at - interval '10 minutes' "
              "WHERE revoked_at IS NULL AND user_id = (SELECT user_id FROM mfa.users WHERE username = :'username')",
              username=username)
    b.get("/payouts")
    ok("10 minutes after the second factor the policy hides the payouts and the page asks for a step-up",
       b.has("#step-up-needed") and "10 minutes ago" in b.text() and not b.has("#payouts"),
       b.text()[:300])
    b.fill({"code": codes[1]}, "step-up")
    ok("a step-up (here with a recovery code) shows them again",
       b.has("#payouts") and len(b.driver.find_elements(By.CSS_SELECTOR, "#payouts tr")) == 2)

    # -- Lost phone: a recovery code at the second step, and "remember this device".
    b.click("logout")
    b.get("/login")
    b.fill({"username": username, "password": password}, "login")
    b.fill({"code": codes[0], "remember": False}, "verify")
    ok("a recovery code used once cannot log in again", "not right" in b.text())
    b.fill({"code": codes[2], "remember": True}, "verify")
    device = b.cookie("device")
    ok("a recovery code logs in, and 'remember this device' sets an HttpOnly device cookie",
       b.path() == "/" and device is not None and device.get("httpOnly") and device.get("sameSite") == "Lax"
       and device["value"].startswith("kdt_"), f"at {b.path()}, cookie {bool(device)}")
    ok("the home page counts the recovery codes left (7)", "7 recovery codes left" in b.text())

    b.click("logout")
    ok("logout keeps the remembered device's cookie", b.cookie("device") is not None)
    b.get("/login")
    b.fill({"username": username, "password": password}, "login")
    ok("from the remembered device the password alone logs in at aal2 (no second step)",
       b.path() == "/" and b.driver.find_element(By.ID, "aal").text == "aal2"
       and "pwd, device" in b.driver.find_element(By.ID, "status").text,
       f"at {b.path()}")
    b.get("/payouts")
    ok("the remembered device's session shows the payouts while the remembered check is recent",
       b.has("#payouts"))

    b.driver.delete_cookie("device")
    b.click("logout")
    b.get("/login")
    b.fill({"username": username, "password": password}, "login")
    ok("without the device cookie the second step is asked for again", b.path() == "/login/code")
    b.get("/")
    ok("a login left at the second step is not a session", b.has("a[href='/signup']"))


def main():
    if len(sys.argv) != 2:
        print("usage: browser_test.py URL", file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    screenshots = os.environ.get("WEB_SCREENSHOTS") or None
    try:
        browser = Browser(base, screenshots)
    except WebDriverException as e:
        print(f"not ok - could not start headless Chromium: {e.msg}", flush=True)
        return 1
    try:
        walk(browser, base)
    except StepFailed as e:
        print(f"not ok - {e}", flush=True)
        return 1
    except (WebDriverException, subprocess.CalledProcessError) as e:
        print(f"not ok - {type(e).__name__}: {getattr(e, 'msg', None) or e}", flush=True)
        return 1
    finally:
        browser.driver.quit()
    info("every page works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
