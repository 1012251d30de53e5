#!/usr/bin/python3
"""login_demo.py: an application using pg_mfa through plain SQL.

It signs a new user up with a password, enrolls a phone in TOTP two-factor authentication, then logs in in
two steps (password, then code), validates the session and logs out. pyotp plays the phone: it reads the
provisioning URI exactly as an authenticator app reads the QR code.

Every value travels as a bind parameter (psycopg 3 sends `%s` placeholders as $1, $2... with the values
apart from the SQL text): no SQL is ever built by string formatting.

The connection comes from the libpq environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD,
or a service file). Connect as the application's role: a role given pg_mfa's client rights in this database
(SELECT mfa.grant_client('my_app')) and nothing more. Each step prints "ok - ..."; the first unexpected result prints "not ok - ..." and exits with status 1.

Usage: /usr/bin/python3 login_demo.py [--realm NAME]   (see README.md)
"""

import argparse
import datetime
import re
import secrets
import sys
import time

import psycopg
import pyotp
from psycopg.rows import namedtuple_row

# What a web application knows of the client it serves: its address (or a device id from a cookie). pg_mfa
# keeps a password throttle per client a user has logged in from, so a stranger's guesses cannot lock the
# user out there.
CLIENT = "203.0.113.10"


class StepFailed(Exception):
    pass


def ok(description, condition, detail=""):
    """ok: print "ok - description" if condition holds, else raise StepFailed (the run stops there)."""
    if not condition:
        raise StepFailed(f"{description}: {detail}" if detail else description)
    print(f"ok - {description}", flush=True)


def info(message):
    print(f"# {message}", flush=True)


def one_row(conn, sql, params=()):
    """one_row: the single row the statement returns; StepFailed if it returns none or several."""
    rows = conn.execute(sql, params).fetchall()
    if len(rows) != 1:
        raise StepFailed(f"expected exactly one row, got {len(rows)} from: {sql}")
    return rows[0]


def wrong_code(phone):
    """wrong_code: a well-formed code that matches none of the steps around now (so it must be refused)."""
    near = {phone.at(time.time() + seconds) for seconds in range(-120, 121, 30)}
    while True:
        code = f"{secrets.randbelow(10 ** phone.digits):0{phone.digits}d}"
        if code not in near:
            return code


def run(conn, realm):
    # -- Who are we? The application's role: pg_mfa's client rights in this database, not a superuser.
    me = one_row(conn, "SELECT current_user AS name, r.rolsuper AS superuser, "
                       "has_function_privilege('mfa.authenticate_password(text, text, text, text, text)', 'EXECUTE') AS client, "
                       "has_function_privilege('mfa.create_realm(text, text, boolean)', 'EXECUTE') AS admin "
                       "FROM pg_roles AS r WHERE r.rolname = current_user")
    info(f"connected as role {me.name}")
    ok("the role has pg_mfa's client rights here (mfa.grant_client)", me.client)
    ok("the role has no administration rights (the client rights are all the application needs)", not me.admin)
    ok("the role is not a superuser", not me.superuser)
    try:
        conn.execute("SELECT otp_secret FROM mfa.totp_secrets LIMIT 1")
        readable = True
    except psycopg.errors.InsufficientPrivilege:
        readable = False
    ok("the role cannot read TOTP secrets from the tables", not readable)

    # -- Sign-up: a user with a password (Argon2id, hashed in the server).
    username = f"demo-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(16)
    user_id = one_row(conn, "SELECT mfa.create_user(%s, %s, %s) AS user_id", (username, password, realm)).user_id
    info(f"created user {username} in realm {realm}")
    ok("create_user returns the new user's id", isinstance(user_id, int), f"got {user_id!r}")

    login = one_row(conn, "SELECT * FROM mfa.authenticate_password(%s, %s, %s, %s)",
                    (username, "not the password", realm, CLIENT))
    ok("a wrong password gives result failed with no user and no token",
       (login.result, login.user_id, login.token) == ("failed", None, None), f"got {login}")

    # -- Password login before any second factor: a session right away.
    login = one_row(conn, "SELECT * FROM mfa.authenticate_password(%s, %s, %s, %s)",
                    (username, password, realm, CLIENT))
    ok("without a second factor the password gives full_login with a kss_ session token",
       login.result == "full_login" and login.user_id == user_id and (login.token or "").startswith("kss_"),
       f"got result {login.result!r}, user_id {login.user_id!r}")

    # -- Enrollment: a new TOTP credential. Its secret and URI are returned once, to show to the user.
    cred = one_row(conn, "SELECT * FROM mfa.totp_create_credential(%s, %s)", (user_id, "Python demo phone"))
    ok("totp_create_credential returns a new credential with a provisioning URI and an SVG QR code",
       cred.state == "new" and cred.provisioning_uri.startswith("otpauth://totp/") and "<svg" in cred.provisioning_svg,
       f"got state {cred.state!r}")

    # The phone scans the QR code: pyotp reads the same URI.
    phone = pyotp.parse_uri(cred.provisioning_uri)
    ok("the phone reads the URI: account name and secret match",
       phone.name == username and phone.secret == cred.otp_secret, f"got account {phone.name!r}")

    login = one_row(conn, "SELECT * FROM mfa.authenticate_password(%s, %s, %s, %s)",
                    (username, password, realm, CLIENT))
    ok("a credential that is still new does not ask for a code yet (full_login)",
       login.result == "full_login", f"got {login.result!r}")

    verified = one_row(conn, "SELECT mfa.totp_verify(%s, %s) AS ok", (cred.credential_id, wrong_code(phone))).ok
    ok("totp_verify refuses a wrong code", verified is False, f"got {verified!r}")

    # A second connection listens for account-security events, as a mailer would ("a new device was added").
    heard = []
    with psycopg.connect("", autocommit=True, row_factory=namedtuple_row) as listener:
        listener.add_notify_handler(lambda n: heard.append(n.payload) if n.channel == "mfa_events" else None)
        listener.execute("LISTEN mfa_events")

        code = phone.now()
        verified = one_row(conn, "SELECT mfa.totp_verify(%s, %s) AS ok", (cred.credential_id, code)).ok
        ok("totp_verify accepts the phone's current code: the credential is active", verified is True,
           "is the clock of this machine within 30 s of the database server's?")

        # The notification is sent when the activation commits; a query on the listening connection collects it.
        deadline = time.monotonic() + 5
        while not heard and time.monotonic() < deadline:
            listener.execute("SELECT 1")
            time.sleep(0.05)
        event = one_row(conn, "SELECT * FROM mfa.account_event(%s)", (int(heard[0]),)) if heard else None
        info(f"NOTIFY mfa_events {heard}: {event.type if event else '-'}/{event.reason if event else '-'}")
        ok("the activation was announced (NOTIFY mfa_events) and mfa.account_event names it",
           event is not None and (event.type, event.reason, event.user_id, event.credential_id)
           == ("totp_verify", "enrolled", user_id, cred.credential_id), f"heard {heard}")

    verified = one_row(conn, "SELECT mfa.totp_verify(%s, %s) AS ok", (cred.credential_id, code)).ok
    ok("totp_verify refuses the same code a second time", verified is False, f"got {verified!r}")

    # The "your devices" page: no secret comes back, only what a person needs to recognise a device.
    devices = conn.execute("SELECT * FROM mfa.list_credentials(%s)", (user_id,)).fetchall()
    for device in devices:
        info(f"device {device.credential_id}: {device.type} {device.name or ''} {device.state}, "
             f"verified {device.verified_at or '-'}")
    ok("list_credentials shows the password and the phone, now active",
       [(d.type, d.state) for d in devices] == [("password", None), ("totp", "active")], f"got {devices}")
    renamed = one_row(conn, "SELECT mfa.rename_credential(%s, %s) AS ok", (cred.credential_id, "Work phone")).ok
    ok("rename_credential names the device", renamed is True, f"got {renamed!r}")

    # Recovery codes right after enrollment, shown to the user once; the database keeps only digests.
    recovery_codes = [row.code for row in conn.execute(
        "SELECT c AS code FROM mfa.generate_recovery_codes(%s) AS c", (user_id,)).fetchall()]
    ok("generate_recovery_codes gives ten different codes like 7KQ2-M9XD-4TNB-WR3H",
       len(set(recovery_codes)) == 10 and all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", c)
                                              for c in recovery_codes), f"got {len(recovery_codes)} codes")

    # -- Two-step login. Step 1: the password gives a kli_ token, good only for step 2.
    now = one_row(conn, "SELECT clock_timestamp() AS now").now
    login = one_row(conn, "SELECT * FROM mfa.authenticate_password(%s, %s, %s, %s)",
                    (username, password, realm, CLIENT))
    ok("with an active device the password gives needs_mfa with a kli_ token",
       login.result == "needs_mfa" and login.user_id == user_id and (login.token or "").startswith("kli_"),
       f"got result {login.result!r}")
    ok("the kli_ token expires within the hour (the realm's MFA-token lifetime)",
       now < login.expires_at <= now + datetime.timedelta(hours=1), f"expires at {login.expires_at}")
    kli_token = login.token

    done = one_row(conn, "SELECT * FROM mfa.complete_mfa(%s, %s)", (kli_token, wrong_code(phone)))
    ok("complete_mfa with a wrong code gives failed", (done.result, done.token) == ("failed", None), f"got {done}")

    # Step 2: the token and a code. Every code is single-use per credential, and enrollment has just spent
    # the current time step's code. A user would wait for the phone's next code (up to 30 s); we take the
    # code of the next step instead, which the server accepts now because the realm allows one step of clock
    # drift either side (window 1).
    code = phone.at(time.time() + phone.interval)
    done = one_row(conn, "SELECT * FROM mfa.complete_mfa(%s, %s)", (kli_token, code))
    ok("complete_mfa with the next code gives full_login and a kss_ token (the wrong code left the kli_ token usable)",
       done.result == "full_login" and done.user_id == user_id and (done.token or "").startswith("kss_"),
       f"got result {done.result!r}")
    session = done.token

    done = one_row(conn, "SELECT * FROM mfa.complete_mfa(%s, %s)", (kli_token, code))
    ok("the kli_ token is single-use: it fails a second time", done.result == "failed", f"got {done.result!r}")

    login = one_row(conn, "SELECT * FROM mfa.authenticate_password(%s, %s, %s, %s)",
                    (username, password, realm, CLIENT))
    done = one_row(conn, "SELECT * FROM mfa.complete_mfa(%s, %s)", (login.token, code))
    ok("a fresh kli_ token with the same code fails: the code was used",
       login.result == "needs_mfa" and done.result == "failed", f"got {login.result!r} then {done.result!r}")

    # -- The session: checked on every request, then revoked.
    rows = conn.execute("SELECT * FROM mfa.validate_session(%s)", (session,)).fetchall()
    ok("validate_session returns the user and realm of the session",
       len(rows) == 1 and rows[0].user_id == user_id and rows[0].realm == realm, f"got {rows}")

    logged_out = one_row(conn, "SELECT mfa.logout(%s) AS ok", (session,)).ok
    ok("logout revokes the session", logged_out is True, f"got {logged_out!r}")

    rows = conn.execute("SELECT * FROM mfa.validate_session(%s)", (session,)).fetchall()
    ok("validate_session returns no row after logout", rows == [], f"got {rows}")

    logged_out = one_row(conn, "SELECT mfa.logout(%s) AS ok", (session,)).ok
    ok("a second logout returns false", logged_out is False, f"got {logged_out!r}")

    # -- The phone is lost: the password, then a recovery code as a person types it (lower case, spaces).
    typed = recovery_codes[0].lower().replace("-", " ")
    login = one_row(conn, "SELECT * FROM mfa.authenticate_password(%s, %s, %s, %s)",
                    (username, password, realm, CLIENT))
    done = one_row(conn, "SELECT * FROM mfa.complete_mfa(%s, %s)", (login.token, typed))
    ok("complete_mfa accepts a recovery code in place of the phone's code",
       done.result == "full_login" and (done.token or "").startswith("kss_"), f"got result {done.result!r}")
    left = one_row(conn, "SELECT mfa.recovery_codes_remaining(%s) AS n", (user_id,)).n
    ok("nine recovery codes remain", left == 9, f"got {left!r}")
    login = one_row(conn, "SELECT * FROM mfa.authenticate_password(%s, %s, %s, %s)",
                    (username, password, realm, CLIENT))
    done = one_row(conn, "SELECT * FROM mfa.complete_mfa(%s, %s)", (login.token, recovery_codes[0]))
    ok("a recovery code works once", done.result == "failed", f"got result {done.result!r}")


def main():
    parser = argparse.ArgumentParser(description="Enroll a TOTP device and log in in two steps through pg_mfa.")
    parser.add_argument("--realm", default="default",
                        help="the pg_mfa realm to create the demo user in (default: default)")
    args = parser.parse_args()
    try:
        # An empty connection string: libpq takes everything from PG* environment variables.
        # Autocommit: each call is its own transaction, as in an application.
        with psycopg.connect("", autocommit=True, row_factory=namedtuple_row) as conn:
            run(conn, args.realm)
    except StepFailed as e:
        print(f"not ok - {e}", flush=True)
        return 1
    except psycopg.Error as e:
        # The primary message only (one line); libpq's full text adds CONTEXT lines.
        message = e.diag.message_primary or " ".join(str(e).split())
        sqlstate = f" (SQLSTATE {e.sqlstate})" if e.sqlstate else ""
        print(f"not ok - database error{sqlstate}: {message}", flush=True)
        if e.diag.message_hint:
            info(f"hint: {e.diag.message_hint}")
        return 1
    info("enrollment and two-step login work")
    return 0


if __name__ == "__main__":
    sys.exit(main())
