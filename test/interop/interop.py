"""pg_mfa interop checks: our SQL functions against oathtool, pyotp, argon2-cffi, passlib, hashlib, pgcrypto
and zbarimg.

Started by test/interop/run (which checks that the tools are installed) inside a scratch cluster: the
PG* environment variables point at a server where we are superuser. Every check compares pg_mfa's output
with what another implementation computes or decodes, never with pg_mfa itself.

Values reach SQL only as psql variables (-v name=value, used as :'name'), never pasted into SQL text.
"""

import base64
import hashlib
import importlib.metadata
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import urllib.parse

import argon2
import argon2.exceptions
import pyotp

# passlib's pure-Python bcrypt, so the bcrypt hashes come from code that is neither libxcrypt (which pg_mfa
# and passlib's default "os_crypt" backend both use) nor pgcrypto's copy of crypt_blowfish.
os.environ["PASSLIB_BUILTIN_BCRYPT"] = "enabled"
import passlib  # noqa: E402
import passlib.hash  # noqa: E402

DB = os.environ.get("PG_MFA_INTEROP_DB", "pg_mfa_interop")
TIMEOUT = 30  # seconds for any one external command

ENV = dict(os.environ)
ENV["PGCLIENTENCODING"] = "UTF8"  # the bytes we send are the UTF-8 bytes the server stores
ENV.pop("PGOPTIONS", None)
ENV["LC_ALL"] = "C.UTF-8"

ALGORITHMS = ("SHA1", "SHA256", "SHA512")
DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}

# TOTP times: around step boundaries, RFC 6238 Appendix B times, 2^31 - 1 and 2^31 (the 2038 boundary
# of a signed 32-bit time_t) and a time far past it.
TOTP_TIMES = (0, 59, 60, 1111111109, 1111111111, 1234567890, 2000000000, 2147483647, 2147483648,
              20000000000)
# HOTP counters: small, around 2^31 and 2^32 (a 32-bit counter would wrap), 2^53 + 1 (not a double)
# and the largest bigint.
HOTP_COUNTERS = (0, 1, 9, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**53 + 1, 2**63 - 1)


# ---------------------------------------------------------------------------------------------------------
# Reporting

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, description, detail=""):
        if ok:
            self.passed += 1
            print(f"ok - {description}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {description}" + (f": {detail}" if detail else ""), flush=True)

    def equal(self, expected, actual, description):
        self.check(expected == actual, description, difference(expected, actual))

    def note(self, text):
        print(f"# {text}", flush=True)


def show(value, limit=160):
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value)} in all" if isinstance(value, (str, bytes)) else f"{len(text)} characters of repr"
    return text[:limit] + f"... ({size})"


def flatten(value, prefix=""):
    if not isinstance(value, dict):
        return {prefix: value}
    out = {}
    for key, item in value.items():
        out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def difference(expected, actual):
    """Expected versus actual, for a failure line; for dicts only the entries that differ."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        e, a = flatten(expected), flatten(actual)
        missing = object()
        return "; ".join(f"{key}: expected {show(e.get(key, missing)) if key in e else '(absent)'}, "
                         f"got {show(a.get(key)) if key in a else '(absent)'}"
                         for key in sorted(set(e) | set(a)) if e.get(key, missing) != a.get(key, missing))
    return f"expected {show(expected)}, got {show(actual)}" + first_difference(expected, actual)


def first_difference(a, b):
    if not isinstance(a, (str, bytes)) or not isinstance(b, (str, bytes)) or type(a) is not type(b):
        return ""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f" (first difference at index {i})"
    if len(a) != len(b):
        return f" (lengths {len(a)} and {len(b)})"
    return ""


class Failure(Exception):
    """An external command failed; the message says which and why."""


# ---------------------------------------------------------------------------------------------------------
# Running things

def run(args, stdin=b"", check=True):
    try:
        result = subprocess.run(args, input=stdin, capture_output=True, env=ENV, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure(f"{args[0]} timed out after {TIMEOUT} s")
    if check and result.returncode != 0:
        raise Failure(f"{' '.join(str(a) for a in args[:3])}... exited with {result.returncode}: "
                      f"{result.stderr.decode('utf-8', 'replace').strip()}")
    return result


def psql(script, database=None, **variables):
    """Runs a psql script with -XAtq and ON_ERROR_STOP; returns stdout as text without its final newline.

    Values are passed with -v and must be used as :'name' in the script (psql quotes them as literals).
    """
    args = ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", database or DB]
    for name, value in variables.items():
        args += ["-v", f"{name}={value}"]
    args += ["-f", "-"]
    result = run(args, stdin=script.encode("utf-8"))
    out = result.stdout.decode("utf-8")
    return out[:-1] if out.endswith("\n") else out


def psql_value(script, **variables):
    """A query returning one value: its text exactly (psql -At adds one newline after the row)."""
    return psql(script, **variables)


def oathtool(*args):
    return run(["oathtool", *args]).stdout.decode("ascii").strip()


def totp_codes(cases):
    """mfa.totp_code for many (secret, time, digits, period, algorithm) cases in one query."""
    rows = [{"i": i, "secret": s, "t": t, "digits": d, "period": p, "alg": a}
            for i, (s, t, d, p, a) in enumerate(cases)]
    out = psql("""
        SELECT c.i, mfa.totp_code(c.secret, pg_catalog.to_timestamp(c.t), c.digits, c.period, c.alg)
        FROM pg_catalog.jsonb_to_recordset(:'cases'::jsonb)
             AS c(i integer, secret text, t bigint, digits integer, period integer, alg text)
        ORDER BY c.i;
    """, cases=json.dumps(rows))
    codes = [line.split("|")[1] for line in out.split("\n")]
    if len(codes) != len(cases):
        raise Failure(f"expected {len(cases)} codes from mfa.totp_code, got {len(codes)}")
    return codes


def hotp_codes(cases):
    """mfa.hotp_code for many (secret, counter, digits, algorithm) cases in one query."""
    rows = [{"i": i, "secret": s, "c": c, "digits": d, "alg": a} for i, (s, c, d, a) in enumerate(cases)]
    out = psql("""
        SELECT c.i, mfa.hotp_code(c.secret, c.c, c.digits, c.alg)
        FROM pg_catalog.jsonb_to_recordset(:'cases'::jsonb)
             AS c(i integer, secret text, c bigint, digits integer, alg text)
        ORDER BY c.i;
    """, cases=json.dumps(rows))
    codes = [line.split("|")[1] for line in out.split("\n")]
    if len(codes) != len(cases):
        raise Failure(f"expected {len(cases)} codes from mfa.hotp_code, got {len(codes)}")
    return codes


def same_step(reference, ours, attempts=3):
    """Compares a code computed 'now' by us and by the reference, retrying if a time step boundary
    passes while we ask (the reference is asked before and after; both must agree).
    Returns (expected, actual)."""
    for _ in range(attempts):
        before = reference()
        actual = ours()
        after = reference()
        if before == after:
            return before, actual
    raise Failure(f"the time step changed during each of {attempts} attempts")


def sql_algorithm(name, index):
    """pg_mfa takes algorithm names in any case: alternate the spellings."""
    return name.lower() if index % 2 == 0 else name


# ---------------------------------------------------------------------------------------------------------
# Setup

def setup(report, state):
    psql("DROP DATABASE IF EXISTS :\"db\";", database="postgres", db=DB)
    # C locale: compatible with UTF8 whatever the cluster's locale is.
    psql("CREATE DATABASE :\"db\" ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';",
         database="postgres", db=DB)
    state["created"] = True
    psql("CREATE EXTENSION pg_mfa;")
    encoding = psql_value("SELECT pg_catalog.current_setting('server_encoding');")
    report.equal("UTF8", encoding, "test database is UTF8")


def teardown():
    psql("DROP DATABASE IF EXISTS :\"db\";", database="postgres", db=DB)


def generated_secrets(report):
    """Secrets from mfa.generate_secret: two of 20 bytes (the default), 16, 32 and 64 bytes. Each must be
    unpadded RFC 4648 base32 of that many bytes, as Python's base64 module decodes it."""
    out = psql_value("SELECT mfa.generate_secret(), mfa.generate_secret(), mfa.generate_secret(16), "
                     "mfa.generate_secret(32), mfa.generate_secret(64);")
    secrets = out.split("|")
    sizes = (20, 20, 16, 32, 64)
    for secret, size in zip(secrets, sizes):
        try:
            padded = secret + "=" * (-len(secret) % 8)
            decoded = len(base64.b32decode(padded, casefold=False))
            canonical = base64.b32encode(base64.b32decode(padded)).decode().rstrip("=") == secret
        except Exception as e:  # binascii.Error: not base32
            decoded, canonical = f"undecodable ({e})", False
        report.check(decoded == size and canonical and "=" not in secret,
                     f"mfa.generate_secret({size}) is unpadded upper-case base32 of {size} bytes (Python base64)",
                     f"got {secret!r}, decodes to {decoded} bytes, canonical: {canonical}")
    report.check(len(set(secrets[:2])) == 2, "two mfa.generate_secret() calls differ", f"got {secrets[:2]!r}")
    return list(zip(secrets, sizes))


# ---------------------------------------------------------------------------------------------------------
# 1. oathtool

def check_oathtool(report, secrets):
    cases = []
    groups = []  # (description, [case indexes])
    for si, (secret, size) in enumerate(secrets):
        for algorithm in ALGORITHMS:
            for digits in (6, 8):
                for period in (30, 60):
                    indexes = []
                    for t in TOTP_TIMES:
                        indexes.append(len(cases))
                        cases.append((secret, t, digits, period, sql_algorithm(algorithm, si)))
                    groups.append((f"secret #{si + 1} ({size} bytes) {algorithm} {digits} digits {period} s",
                                   indexes))
    ours = totp_codes(cases)
    for description, indexes in groups:
        mismatches = []
        for i in indexes:
            secret, t, digits, period, algorithm = cases[i]
            theirs = oathtool(f"--totp={algorithm.upper()}", "-b", f"--digits={digits}",
                              f"--time-step-size={period}s", f"--now=@{t}", secret)
            if theirs != ours[i]:
                mismatches.append(f"t={t}: oathtool {theirs}, mfa.totp_code {ours[i]}")
        report.check(not mismatches, f"oathtool TOTP = mfa.totp_code: {description} at {len(indexes)} times",
                     "; ".join(mismatches))

    # The wall clock: mfa.totp_code's default time is clock_timestamp().
    secret = secrets[0][0]
    for algorithm in ALGORITHMS:
        for digits, period in ((6, 30), (8, 60)):
            expected, actual = same_step(
                lambda: oathtool(f"--totp={algorithm}", "-b", f"--digits={digits}", f"--time-step-size={period}s",
                                 secret),
                lambda: psql_value("SELECT mfa.totp_code(:'secret', digits => :'digits'::integer, "
                                   "period => :'period'::integer, algorithm => :'alg');",
                                   secret=secret, digits=digits, period=period, alg=algorithm))
            report.equal(expected, actual,
                         f"oathtool TOTP now = mfa.totp_code at the wall clock: {algorithm} {digits} digits {period} s")

    # HOTP. oathtool's HOTP mode is SHA1 only; for SHA256/SHA512 we use its TOTP mode with a 1 s step and
    # "now" = the counter, which makes the time step equal to the counter.
    hotp_cases = []
    groups = []
    for si in (0, 4):  # a 20-byte and a 64-byte secret
        secret, size = secrets[si]
        for algorithm in ALGORITHMS:
            for digits in (6, 7, 8):
                indexes = []
                for counter in HOTP_COUNTERS:
                    indexes.append(len(hotp_cases))
                    hotp_cases.append((secret, counter, digits, sql_algorithm(algorithm, digits)))
                groups.append((f"secret #{si + 1} ({size} bytes) {algorithm} {digits} digits", indexes))
    ours = hotp_codes(hotp_cases)
    for description, indexes in groups:
        mismatches = []
        for i in indexes:
            secret, counter, digits, algorithm = hotp_cases[i]
            if algorithm.upper() == "SHA1":
                theirs = oathtool("-b", f"--digits={digits}", f"--counter={counter}", secret)
            else:
                theirs = oathtool(f"--totp={algorithm.upper()}", "-b", f"--digits={digits}",
                                  "--time-step-size=1s", f"--now=@{counter}", secret)
            if theirs != ours[i]:
                mismatches.append(f"counter {counter}: oathtool {theirs}, mfa.hotp_code {ours[i]}")
        report.check(not mismatches,
                     f"oathtool HOTP = mfa.hotp_code: {description} at {len(indexes)} counters up to 2^63-1",
                     "; ".join(mismatches))


# ---------------------------------------------------------------------------------------------------------
# 2. pyotp and the provisioning URI

UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
HEX = set("0123456789ABCDEFabcdef")


def only_unreserved_or_escapes(text):
    """Whether text is made of RFC 3986 unreserved characters and %XX escapes only (what our URI promises
    for the label parts and query values)."""
    i = 0
    while i < len(text):
        if text[i] == "%":
            escape = text[i + 1:i + 3]
            if len(escape) != 2 or not set(escape) <= HEX:
                return False
            i += 3
        elif text[i] in UNRESERVED:
            i += 1
        else:
            return False
    return True


def parse_key_uri(uri):
    """Splits a Key URI with Python's urllib.parse, strictly by RFC 3986: the label is split at its first
    literal ':' before decoding, and each part and query value is percent-decoded on its own (a '+' stays
    a '+'). Returns a dict, or raises ValueError saying what is wrong."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme != "otpauth" or parts.netloc != "totp" or parts.fragment or not parts.path.startswith("/"):
        raise ValueError(f"not otpauth://totp/...: {parts!r}")
    label = parts.path[1:]
    issuer_raw, sep, account_raw = label.partition(":")
    if not sep:
        issuer_raw, account_raw = None, label
    result = {"label_issuer": None, "params": {}}
    for raw in (issuer_raw, account_raw):
        if raw is not None and not only_unreserved_or_escapes(raw):
            raise ValueError(f"label part {raw!r} has characters that are neither unreserved nor %XX")
    decode = lambda raw: urllib.parse.unquote(raw, encoding="utf-8", errors="strict")
    if issuer_raw is not None:
        result["label_issuer"] = decode(issuer_raw)
    result["account"] = decode(account_raw)
    for pair in parts.query.split("&"):
        key, sep, value = pair.partition("=")
        if not sep or not only_unreserved_or_escapes(value):
            raise ValueError(f"bad query parameter {pair!r}")
        if key in result["params"]:
            raise ValueError(f"repeated query parameter {key!r}")
        result["params"][key] = decode(value)
    return result


def pyotp_has_issue_174():
    """pyotp up to at least 2.6.0 percent-decodes the whole URI before splitting it (pyauth/pyotp#174,
    fixed by pyauth/pyotp#187), so an issuer with an encoded '&' or ':' cannot be parsed. Probe with a URI
    we write here, not one of ours."""
    try:
        parsed = pyotp.parse_uri("otpauth://totp/A%26B%3AC:x?secret=GEZDGNBVGY3TQOJQ&issuer=A%26B%3AC")
        return parsed.issuer != "A&B:C" or parsed.name != "x"
    except ValueError:
        return True


def pyotp_can_parse(account, issuer):
    """Whether a pyotp that decodes the whole URI before splitting it can parse a correct URI for this
    label (once the whole URI is decoded, these characters change the URI's structure: '#' '?' '%'
    anywhere, ':' in the issuer or in an issuer-less account, '&' '=' '+' in the issuer query value)."""
    structural = set("#?%")
    if any(c in structural for c in account + (issuer or "")):
        return False
    if issuer is None:
        return ":" not in account
    return not any(c in issuer for c in ":&=+")


def check_pyotp(report, secrets):
    pyotp_version = importlib.metadata.version("pyotp")
    buggy = pyotp_has_issue_174()
    if buggy:
        report.note(f"pyotp {pyotp_version} has pyauth/pyotp#174 (it percent-decodes the whole URI before "
                    "splitting it): URIs whose issuer holds '&' or ':' are parsed with urllib.parse (RFC 3986) "
                    "and their codes computed with pyotp.TOTP")
    cases = [
        # secret index, account, issuer (None: no issuer), digits, period, algorithm
        (0, "alice+test@example.com", "Zürich Bank AG", 6, 30, "SHA1"),
        (1, "alice+test@example.com", "Zürich & Co", 8, 60, "SHA256"),
        (4, "Jörg Müller", "ACME Corp.", 8, 30, "SHA512"),
        (3, "bob@example.com", None, 7, 45, "SHA256"),
        (2, "ops/root", "a/b?c#d%e+f=g;h ü ✓", 6, 30, "SHA512"),
        (0, "carol", "Example", 6, 30, "SHA1"),
    ]
    for n, (si, account, issuer, digits, period, algorithm) in enumerate(cases, 1):
        secret = secrets[si][0]
        what = f"URI #{n} ({algorithm}, {digits} digits, {period} s, issuer {issuer!r}, account {account!r})"
        uri = psql_value("SELECT mfa.otpauth_uri(:'secret', :'account', "
                         "CASE WHEN :'has_issuer' = 'yes' THEN :'issuer' END, "
                         ":'digits'::integer, :'period'::integer, :'alg');",
                         secret=secret, account=account, issuer=issuer or "",
                         has_issuer="yes" if issuer is not None else "no",
                         digits=digits, period=period, alg=algorithm.lower())

        # Python's urllib.parse, strictly.
        try:
            parsed = parse_key_uri(uri)
            expected = {"label_issuer": issuer, "account": account,
                        "params": {"secret": secret, **({"issuer": issuer} if issuer is not None else {}),
                                   "algorithm": algorithm, "digits": str(digits), "period": str(period)}}
            got = {"label_issuer": parsed["label_issuer"], "account": parsed["account"], "params": parsed["params"]}
            report.equal(expected, got, f"urllib.parse (RFC 3986) reads back {what}")
        except ValueError as e:
            report.check(False, f"urllib.parse (RFC 3986) reads back {what}", f"{e}; URI {uri!r}")
            parsed = None

        # pyotp.parse_uri.
        totp = None
        if buggy and not pyotp_can_parse(account, issuer):
            try:
                got = pyotp.parse_uri(uri)
                outcome = f"gave issuer {got.issuer!r}, name {got.name!r}"
            except Exception as e:
                outcome = f"raised {type(e).__name__}: {e}"
            report.note(f"{what}: pyotp.parse_uri {outcome} (pyauth/pyotp#174), not counted; URI {uri}")
            if parsed is not None:
                p = parsed["params"]
                totp = pyotp.TOTP(p["secret"], digits=int(p["digits"]), interval=int(p["period"]),
                                  digest=DIGESTS.get(p["algorithm"]), name=parsed["account"], issuer=p.get("issuer"))
        else:
            try:
                totp = pyotp.parse_uri(uri)
                expected = (secret, algorithm.lower(), digits, period, issuer, account)
                got = (totp.secret, totp.digest().name, totp.digits, totp.interval, totp.issuer, totp.name)
                report.equal(expected, got,
                             f"pyotp.parse_uri reads back (secret, digest, digits, interval, issuer, name) of {what}")
                if not isinstance(totp, pyotp.TOTP):
                    report.check(False, f"pyotp.parse_uri gives a TOTP for {what}", f"got {type(totp)!r}")
                    totp = None
            except Exception as e:
                report.check(False, f"pyotp.parse_uri reads back {what}", f"{type(e).__name__}: {e}; URI {uri!r}")
                totp = None
        if totp is None:
            report.check(False, f"pyotp codes for {what}", "no TOTP object to compare with")
            continue

        times = TOTP_TIMES + (1700000000 + 7 * n,)
        ours = totp_codes([(secret, t, digits, period, algorithm) for t in times])
        mismatches = [f"t={t}: pyotp {totp.at(t)}, mfa.totp_code {code}"
                      for t, code in zip(times, ours) if totp.at(t) != code]
        report.check(not mismatches, f"pyotp .at(t) = mfa.totp_code at {len(times)} times for {what}",
                     "; ".join(mismatches))
        expected, actual = same_step(
            totp.now,
            lambda: psql_value("SELECT mfa.totp_code(:'secret', digits => :'digits'::integer, "
                               "period => :'period'::integer, algorithm => :'alg');",
                               secret=secret, digits=digits, period=period, alg=algorithm))
        report.equal(expected, actual, f"pyotp .now() = mfa.totp_code at the wall clock for {what}")

    # The label separates issuer and account with a colon (literal or %3A: pyotp, like the Key URI format,
    # takes either), so a colon in either field is refused rather than encoded: otherwise an account
    # "Evil Bank:alice" would be shown by the app as account "alice" of issuer "Evil Bank".
    for account, issuer in (("Evil Bank:alice", "ACME"), ("alice", "ACME: Corp")):
        out = psql_value("SELECT set_config('x.account', :'account', false), set_config('x.issuer', :'issuer', false); "
                         "DO $$ BEGIN PERFORM mfa.otpauth_uri(mfa.generate_secret(), current_setting('x.account'), "
                         "current_setting('x.issuer')); PERFORM set_config('x.sqlstate', 'accepted', false); "
                         "EXCEPTION WHEN OTHERS THEN PERFORM set_config('x.sqlstate', SQLSTATE, false); END $$; "
                         "SELECT current_setting('x.sqlstate');", account=account, issuer=issuer)
        report.equal("22023", out.split("\n")[-1],
                     f"a colon in the {'account' if ':' in account else 'issuer'} is refused ({account!r}, {issuer!r})")

    # A secret given in lower case with spaces comes out canonical in the URI (Python's base64 decides).
    raw = secrets[0][0].lower()
    spaced = " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    uri = psql_value("SELECT mfa.otpauth_uri(:'secret', 'dave', 'Example');", secret=spaced)
    canonical = base64.b32encode(base64.b32decode(raw.upper() + "=" * (-len(raw) % 8))).decode().rstrip("=")
    report.equal(canonical, pyotp.parse_uri(uri).secret,
                 "pyotp.parse_uri finds the canonical base32 secret of a lower-case spaced input")

    # HOTP with pyotp (all three algorithms, counters up to 2^63 - 1).
    for si in (0, 4):
        secret, size = secrets[si]
        for algorithm in ALGORITHMS:
            for digits in (6, 8):
                ours = hotp_codes([(secret, c, digits, algorithm) for c in HOTP_COUNTERS])
                hotp = pyotp.HOTP(secret, digits=digits, digest=DIGESTS[algorithm])
                mismatches = [f"counter {c}: pyotp {hotp.at(c)}, mfa.hotp_code {code}"
                              for c, code in zip(HOTP_COUNTERS, ours) if hotp.at(c) != code]
                report.check(not mismatches,
                             f"pyotp HOTP .at(c) = mfa.hotp_code: secret #{si + 1} ({size} bytes) {algorithm} "
                             f"{digits} digits at {len(HOTP_COUNTERS)} counters", "; ".join(mismatches))


# ---------------------------------------------------------------------------------------------------------
# 3. argon2-cffi

def argon2_settings():
    """The pg_mfa.argon2_* settings (memory in kB). They exist once the library is loaded."""
    out = psql_value("LOAD 'pg_mfa'; "
                     "SELECT (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'pg_mfa.argon2_memory'), "
                     "pg_catalog.current_setting('pg_mfa.argon2_iterations');")
    memory_kib, iterations = out.split("|")
    return int(memory_kib), int(iterations)


def cffi_verifies(hash_, password):
    """True if argon2-cffi verifies, False on VerifyMismatchError; anything else propagates."""
    try:
        return argon2.PasswordHasher().verify(hash_, password)
    except argon2.exceptions.VerifyMismatchError:
        return False


def check_argon2(report):
    memory_kib, iterations = argon2_settings()
    passwords = [
        "correct horse battery staple",
        "pässwörd ✓",
        "x",
        "ü" * 512,  # 1024 bytes of UTF-8: the longest password pg_mfa hashes
        "quote ' double \" backslash \\ tab \t newline \n end",
    ]
    for password in passwords:
        label = show(password, 40)
        hexbytes = psql_value("SELECT pg_catalog.encode(pg_catalog.convert_to(:'pw', 'UTF8'), 'hex');",
                              pw=password)
        report.equal(password.encode("utf-8").hex(), hexbytes, f"password {label} reaches the server as its UTF-8 bytes")
        ours = psql_value("SELECT mfa.hash_password(:'pw');", pw=password)
        try:
            report.check(cffi_verifies(ours, password) is True,
                         f"argon2-cffi verifies mfa.hash_password({label})", f"hash {ours!r}")
        except Exception as e:
            report.check(False, f"argon2-cffi verifies mfa.hash_password({label})",
                         f"{type(e).__name__}: {e}; hash {ours!r}")
        wrong = [password + "x", password[:-1] if len(password) > 1 else "y"]
        nfd = unicodedata.normalize("NFD", password)
        if nfd != password:
            wrong.append(nfd)  # the same text to a reader, other bytes: must not match
            wrong.append(password.encode("utf-8").decode("latin-1"))  # its UTF-8 bytes read as Latin-1
        try:
            accepted = [w for w in wrong if cffi_verifies(ours, w)]
            report.check(not accepted, f"argon2-cffi rejects {len(wrong)} wrong passwords against the hash of {label}",
                         f"accepted {accepted!r}")
        except Exception as e:
            report.check(False, f"argon2-cffi rejects wrong passwords against the hash of {label}",
                         f"{type(e).__name__}: {e}")
        try:
            p = argon2.extract_parameters(ours)
            got = (p.type, p.version, p.memory_cost, p.time_cost, p.parallelism, p.salt_len, p.hash_len)
        except Exception as e:
            got = f"{type(e).__name__}: {e}"
        report.equal((argon2.Type.ID, 19, memory_kib, iterations, 1, 16, 32), got,
                     f"argon2-cffi reads (type, version, m, t, p, salt, hash length) of the hash of {label}")

    # Other settings (superuser-only): the hash carries them and argon2-cffi uses them.
    out = psql("SET pg_mfa.argon2_memory = 8192; SET pg_mfa.argon2_iterations = 3; "
               "SELECT mfa.hash_password(:'pw');", pw="pässwörd ✓")
    try:
        p = argon2.extract_parameters(out)
        got = (p.memory_cost, p.time_cost, p.parallelism, cffi_verifies(out, "pässwörd ✓"),
               cffi_verifies(out, "passwörd ✓"))
    except Exception as e:
        got = f"{type(e).__name__}: {e}"
    report.equal((8192, 3, 1, True, False), got,
                 "argon2-cffi reads m=8192 t=3 p=1 from a hash made under those settings, verifies it, rejects a wrong password")

    # (b) Hashes made by argon2-cffi verify with mfa.verify_password.
    defaults = argon2.PasswordHasher()
    hashers = [
        (f"argon2-cffi {importlib.metadata.version('argon2-cffi')} defaults "
         f"(t={defaults.time_cost}, m={defaults.memory_cost}, p={defaults.parallelism}, "
         f"hash {defaults.hash_len} bytes)", defaults),
        ("RFC 9106 low-memory (t=3, m=65536, p=4, hash 32 bytes)",
         argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16)),
        ("OWASP (t=2, m=19456, p=1, hash 32 bytes)",
         argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)),
        ("Argon2i (t=3, m=4096, p=2)",
         argon2.PasswordHasher(time_cost=3, memory_cost=4096, parallelism=2, type=argon2.Type.I)),
        ("salt 8 bytes, hash 64 bytes (t=1, m=64, p=1)",
         argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, hash_len=64, salt_len=8)),
    ]
    for description, hasher in hashers:
        for password in ("correct horse battery staple", "pässwörd ✓"):
            theirs = hasher.hash(password)
            if "ä" in password:
                wrong, wrong_label = unicodedata.normalize("NFD", password), "its NFD form (other bytes)"
            else:
                wrong = password.upper()
                wrong_label = show(wrong)
            out = psql_value("SELECT mfa.verify_password(:'pw', :'h'), mfa.verify_password(:'wrong', :'h');",
                             pw=password, h=theirs, wrong=wrong)
            report.equal("t|f", out,
                         f"mfa.verify_password accepts an argon2-cffi hash of {show(password)} and rejects "
                         f"{wrong_label}: {description}")

    # (c) Needs-rehash: argon2-cffi's check_needs_rehash (any parameter differs from the hasher's) and
    # ours (weaker than the settings) agree when the hash matches the settings or is weaker.
    current = argon2.PasswordHasher(time_cost=iterations, memory_cost=memory_kib, parallelism=1,
                                    hash_len=32, salt_len=16)
    rehash_cases = [
        ("mfa.hash_password at the current settings", psql_value("SELECT mfa.hash_password('pw');")),
        ("argon2-cffi at the current settings", current.hash("pw")),
        ("less memory", argon2.PasswordHasher(time_cost=iterations, memory_cost=memory_kib // 2,
                                              parallelism=1, hash_len=32, salt_len=16).hash("pw")),
        ("fewer iterations", argon2.PasswordHasher(time_cost=max(1, iterations - 1), memory_cost=memory_kib,
                                                   parallelism=1, hash_len=32, salt_len=16).hash("pw")
         if iterations > 1 else None),
        ("Argon2i", argon2.PasswordHasher(time_cost=iterations, memory_cost=memory_kib, parallelism=1,
                                          hash_len=32, salt_len=16, type=argon2.Type.I).hash("pw")),
        ("16-byte tag", argon2.PasswordHasher(time_cost=iterations, memory_cost=memory_kib, parallelism=1,
                                              hash_len=16, salt_len=16).hash("pw")),
    ]
    for description, hash_ in rehash_cases:
        if hash_ is None:
            continue
        ours = psql_value("SELECT mfa.password_needs_rehash(:'h');", h=hash_)
        theirs = "t" if current.check_needs_rehash(hash_) else "f"
        report.equal(theirs, ours, f"mfa.password_needs_rehash agrees with argon2-cffi check_needs_rehash: {description}")
    report.note("not compared: a hash stronger than the settings (argon2-cffi asks for a rehash whenever the "
                "parameters differ; pg_mfa only when they are weaker)")


# ---------------------------------------------------------------------------------------------------------
# 3b. Imported hashes: passlib (bcrypt, scrypt, pbkdf2_sha256), Django's formats made with hashlib, pgcrypto

def django_pbkdf2_sha256(password, salt, iterations):
    """Django's PBKDF2PasswordHasher.encode, in a few lines of hashlib."""
    dk = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("utf-8"), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(dk).decode('ascii')}"


def django_scrypt(password, salt, n, r, p):
    """Django's ScryptPasswordHasher.encode (64-byte key; N, then the salt, then r and p)."""
    dk = hashlib.scrypt(password.encode("utf-8"), salt=salt.encode("utf-8"), n=n, r=r, p=p, maxmem=0, dklen=64)
    return f"scrypt${n}${salt}${r}${p}${base64.b64encode(dk).decode('ascii')}"


def check_imported(report):
    bcrypt = passlib.hash.bcrypt
    bcrypt.set_backend("builtin")
    report.note(f"passlib {passlib.__version__}, bcrypt backend {bcrypt.get_backend()}")
    passwords = ["correct horse battery staple", "pässwörd ✓"]
    hashes = []  # (description, password, hash)
    for password in passwords:
        for ident in ("2a", "2b", "2y"):
            hashes.append((f"passlib bcrypt ${ident}$ cost 5", password,
                           bcrypt.using(ident=ident, rounds=5).hash(password)))
        hashes.append(("passlib scrypt defaults (ln=16, r=8, p=1)", password, passlib.hash.scrypt.hash(password)))
        hashes.append(("passlib scrypt ln=10, r=8, p=4", password,
                       passlib.hash.scrypt.using(rounds=10, block_size=8, parallelism=4).hash(password)))
        hashes.append((f"passlib pbkdf2_sha256 defaults ({passlib.hash.pbkdf2_sha256.default_rounds} rounds)",
                       password, passlib.hash.pbkdf2_sha256.hash(password)))
        hashes.append(("passlib pbkdf2_sha256 1000 rounds, 8-byte salt", password,
                       passlib.hash.pbkdf2_sha256.using(rounds=1000, salt_size=8).hash(password)))
        hashes.append(("Django pbkdf2_sha256 (hashlib, 1,000,000 iterations)", password,
                       django_pbkdf2_sha256(password, "3N8b0fYlWsb1pAuGHM2kqZ", 1000000)))
        hashes.append(("Django scrypt defaults (hashlib, N=2^14, r=8, p=5)", password,
                       django_scrypt(password, "q4VnQH0xG6Kj4d2r5oXb1C", 2**14, 8, 5)))
        # pgcrypto's crypt() with gen_salt('bf'): its own copy of crypt_blowfish.
        hashes.append(("pgcrypto crypt(pw, gen_salt('bf'))", password,
                       psql_value("CREATE EXTENSION IF NOT EXISTS pgcrypto; "
                                  "SELECT public.crypt(:'pw', public.gen_salt('bf'));", pw=password)))
        hashes.append(("pgcrypto crypt(pw, gen_salt('bf', 10))", password,
                       psql_value("SELECT public.crypt(:'pw', public.gen_salt('bf', 10));", pw=password)))
    for description, password, hash_ in hashes:
        wrong = unicodedata.normalize("NFD", password) if "ä" in password else password.upper()
        out = psql_value("SELECT mfa.verify_password(:'pw', :'h'), mfa.verify_password(:'wrong', :'h'), "
                         "mfa.password_needs_rehash(:'h');", pw=password, h=hash_, wrong=wrong)
        report.equal("t|f|t", out,
                     f"mfa.verify_password accepts a {description} hash of {show(password)}, rejects a wrong "
                     f"password; password_needs_rehash is true")

    # The other way round: the implementations that made them agree with their own hashes and reject the
    # wrong password (so the check above compares with a working reference).
    agree = []
    for description, password, hash_ in hashes:
        for handler in (passlib.hash.bcrypt, passlib.hash.scrypt, passlib.hash.pbkdf2_sha256):
            if handler.identify(hash_):
                if not handler.verify(password, hash_) or handler.verify(password + "x", hash_):
                    agree.append(description)
    report.check(not agree, "passlib verifies the bcrypt, scrypt and pbkdf2_sha256 hashes it can read",
                 f"disagreements: {agree!r}")

    # bcrypt reads at most 72 bytes: a password that shares them verifies (until the rehash at first login).
    long_password = "x" * 72
    hash_ = bcrypt.using(rounds=4).hash(long_password)
    out = psql_value("SELECT mfa.verify_password(:'pw', :'h'), mfa.verify_password(:'longer', :'h');",
                     pw=long_password, h=hash_, longer=long_password + "tail")
    report.equal("t|t", out, "a bcrypt hash of 72 bytes also matches a longer password with those bytes first "
                             "(bcrypt's documented limit)")

    # Users brought over with these hashes: mfa.create_user(password_hash => ...) stores the hash as it is; a
    # wrong password fails and leaves it; the right one logs in and replaces it with Argon2id at the current
    # settings (which argon2-cffi verifies), once. argon2-cffi's own hashes come too: weaker than the settings
    # (rehashed), Argon2i (rehashed), its defaults (rehashed when weaker in memory, passes or tag length: the
    # defaults differ between versions; Debian 12's write 16-byte tags, shorter than pg_mfa's 32), and
    # stronger than the settings with pg_mfa's tag and salt lengths (kept: a rehash never weakens a hash).
    memory_kib, iterations = (int(v) for v in argon2_settings())
    defaults = argon2.PasswordHasher()
    defaults_weaker = (defaults.memory_cost < memory_kib or defaults.time_cost < iterations
                       or defaults.hash_len < 32 or defaults.salt_len < 16)
    strong = argon2.PasswordHasher(time_cost=iterations + 1, memory_cost=memory_kib * 2, parallelism=4, hash_len=32,
                                   salt_len=16)
    imports = [(d, pw, h, True) for d, pw, h in hashes if d.startswith("passlib")]
    for password in passwords:
        imports.append(("argon2-cffi m=8 MiB, t=1, p=2 (weaker than the settings)", password,
                        argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=2).hash(password), True))
        imports.append(("argon2-cffi Argon2i", password,
                        argon2.PasswordHasher(type=argon2.Type.I).hash(password), True))
        imports.append((f"argon2-cffi defaults (m={defaults.memory_cost}, t={defaults.time_cost}, "
                        f"p={defaults.parallelism}, {defaults.hash_len}-byte tag)", password,
                        defaults.hash(password), defaults_weaker))
        imports.append((f"argon2-cffi m={memory_kib * 2}, t={iterations + 1}, p=4 (stronger than the settings)",
                        password, strong.hash(password), False))
    for n, (description, password, hash_, rehashed) in enumerate(imports):
        check_import_login(report, f"interop_import_{n}_{os.urandom(4).hex()}", description, password, hash_,
                           rehashed)


def check_import_login(report, username, description, password, hash_, rehashed):
    """Imports a user with a hash made elsewhere and logs in twice, as the README's migration describes."""
    out = psql("""
        SELECT mfa.create_user(:'u', password_hash => :'h') IS NOT NULL;
        SELECT result FROM mfa.authenticate_password(:'u', :'wrong');
        SELECT c.password_hash = :'h' FROM mfa.credentials AS c JOIN mfa.users AS u USING (user_id)
        WHERE u.username = :'u' AND c.type = 'password';
        SELECT result FROM mfa.authenticate_password(:'u', :'pw');
        SELECT split_part(c.password_hash, '$', 2), mfa.password_needs_rehash(c.password_hash), c.password_hash = :'h'
        FROM mfa.credentials AS c JOIN mfa.users AS u USING (user_id) WHERE u.username = :'u' AND c.type = 'password';
        SELECT result FROM mfa.authenticate_password(:'u', :'pw');
        SELECT count(*) FROM mfa.events AS e JOIN mfa.users AS u USING (user_id)
        WHERE u.username = :'u' AND e.type = 'password_set' AND e.reason = 'rehashed';
        SELECT c.password_hash FROM mfa.credentials AS c JOIN mfa.users AS u USING (user_id)
        WHERE u.username = :'u' AND c.type = 'password';
    """, u=username, h=hash_, pw=password, wrong=password + "x")
    lines = out.split("\n")
    stored = lines.pop() if lines else ""
    kept = "f" if rehashed else "t"
    expected = ["t", "failed", "t", "full_login", f"argon2id|f|{kept}", "full_login", "1" if rehashed else "0"]
    what = "rehashed to Argon2id once" if rehashed else "kept (not weaker than the settings)"
    report.equal("\n".join(expected), "\n".join(lines),
                 f"a user imported with a hash by {description} of {show(password)} logs in through "
                 f"mfa.authenticate_password; the hash is {what}; a wrong password changes nothing")
    try:
        report.check(cffi_verifies(stored, password) is True,
                     f"argon2-cffi verifies the hash stored after the login ({description})", f"hash {stored!r}")
    except Exception as e:
        report.check(False, f"argon2-cffi verifies the hash stored after the login ({description})",
                     f"{type(e).__name__}: {e}")

# ---------------------------------------------------------------------------------------------------------
# 4. zbarimg

def zbar_decode(image_path, binary):
    """zbarimg's reading of an image: bytes without the one newline it adds after a symbol.

    Our QR codes hold the text's UTF-8 bytes in byte mode without an ECI header (libqrencode writes
    none). Without -Sbinary, zbarimg 0.23.92 guesses the charset of such bytes and re-encodes them to
    UTF-8: ASCII and longer UTF-8 text come out unchanged, but short non-ASCII strings are taken for
    Shift-JIS ('Zürich' comes out as 'Z' U+7FB9 'rich', '日本' as 4 other kanji). With -Sbinary it
    prints the symbol's bytes as they are (and no newline), so non-ASCII text is checked that way."""
    args = ["zbarimg", "--nodbus", "--raw", "-q"] + (["-Sbinary"] if binary else []) + [image_path]
    result = run(args, check=False)
    if result.returncode != 0:
        raise Failure(f"zbarimg found no QR code (exit {result.returncode}: "
                      f"{result.stderr.decode('utf-8', 'replace').strip()})")
    out = result.stdout
    # With -Sbinary zbarimg 0.23.92 prints the symbol's bytes without a newline; otherwise it adds one.
    if not binary and out.endswith(b"\n"):
        out = out[:-1]
    return out


def text_to_pgm(text, invert, scale=6):
    """Renders mfa.qr_text's half blocks as a PGM image. A glyph's ink is a light module by default (for
    light-on-dark terminals) and a dark module with invert => true."""
    halves = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1), " ": (0, 0)}
    rows = []
    for line in text.split("\n"):
        if not line:
            continue
        top, bottom = [], []
        for ch in line:
            if ch not in halves:
                raise Failure(f"unexpected character {ch!r} in mfa.qr_text output")
            t, b = halves[ch]
            top.append(t)
            bottom.append(b)
        rows += [top, bottom]
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise Failure("mfa.qr_text lines differ in length")
    ink_value, paper_value = (0, 255) if invert else (255, 0)
    pixels = bytearray()
    for r in rows:
        line = b"".join(bytes([ink_value if v else paper_value]) * scale for v in r)
        pixels += line * scale
    return b"P5 %d %d 255\n" % (width * scale, len(rows) * scale) + bytes(pixels)


def check_zbar(report, secrets, workdir):
    uri = psql_value("SELECT mfa.otpauth_uri(:'secret', 'alice+test@example.com', 'Zürich & Co', 8, 60, 'sha256');",
                     secret=secrets[0][0])
    rng = random.Random(20240501)
    printable = "".join(chr(c) for c in range(32, 127))
    texts = [
        ("a provisioning URI from mfa.otpauth_uri", uri, False),
        ("a one-character string", "h", False),
        ("a short string", "Hello, world!", False),
        ("1000 printable ASCII characters", "".join(rng.choice(printable) for _ in range(1000)), False),
        ("2331 characters (version 40-M byte-mode capacity)",
         "".join(rng.choice(printable) for _ in range(2331)), False),
        ("non-ASCII UTF-8 (zbarimg -Sbinary: raw bytes)", "Zürich ✓ 日本 — ünïcödé", True),
        ("a short non-ASCII string 'Zürich' (zbarimg -Sbinary)", "Zürich", True),
        ("a short non-ASCII string '日本' (zbarimg -Sbinary)", "日本", True),
    ]
    for n, (description, text, binary) in enumerate(texts, 1):
        try:
            svg = psql_value("SELECT mfa.qr_svg(:'t');", t=text)
            svg_path = os.path.join(workdir, f"qr{n}.svg")
            png_path = os.path.join(workdir, f"qr{n}.png")
            with open(svg_path, "w", encoding="utf-8") as f:
                f.write(svg)
            # -z 1: the SVG's own size, 8 pixels per module.
            run(["rsvg-convert", "-z", "1", "-f", "png", "-o", png_path, svg_path])
            got = zbar_decode(png_path, binary)
            report.equal(text.encode("utf-8"), got, f"zbarimg decodes mfa.qr_svg of {description}")
        except Failure as e:
            report.check(False, f"zbarimg decodes mfa.qr_svg of {description}", str(e))

    # The same SVG scaled to a width that is not a multiple of its module count.
    try:
        svg = psql_value("SELECT mfa.qr_svg(:'t');", t=uri)
        svg_path = os.path.join(workdir, "qr-w600.svg")
        png_path = os.path.join(workdir, "qr-w600.png")
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(svg)
        run(["rsvg-convert", "-w", "600", "-f", "png", "-o", png_path, svg_path])
        report.equal(uri.encode(), zbar_decode(png_path, False),
                     "zbarimg decodes mfa.qr_svg of the provisioning URI rendered 600 pixels wide")
    except Failure as e:
        report.check(False, "zbarimg decodes mfa.qr_svg of the provisioning URI rendered 600 pixels wide", str(e))

    # mfa.qr_text, drawn back into pixels from its half blocks.
    for description, text in (("the provisioning URI", uri), ("a short string", "Hello, world!"),
                              ("1000 printable ASCII characters", texts[3][1])):
        for invert in (False, True):
            what = f"zbarimg decodes mfa.qr_text(invert => {str(invert).lower()}) of {description}"
            try:
                art = psql_value("SELECT mfa.qr_text(:'t', :'inv'::boolean);", t=text, inv=str(invert).lower())
                pgm_path = os.path.join(workdir, f"qrtext-{len(text)}-{invert}.pgm")
                with open(pgm_path, "wb") as f:
                    f.write(text_to_pgm(art, invert))
                report.equal(text.encode(), zbar_decode(pgm_path, False), what)
            except Failure as e:
                report.check(False, what, str(e))


# ---------------------------------------------------------------------------------------------------------

def main():
    report = Report()
    started = time.monotonic()
    state = {"created": False}
    try:
        setup(report, state)
        secrets = generated_secrets(report)
        with tempfile.TemporaryDirectory(prefix="pg_mfa_interop.") as workdir:
            for name, section in (("oathtool", lambda: check_oathtool(report, secrets)),
                                  ("pyotp", lambda: check_pyotp(report, secrets)),
                                  ("argon2-cffi", lambda: check_argon2(report)),
                                  ("imported hashes", lambda: check_imported(report)),
                                  ("zbarimg", lambda: check_zbar(report, secrets, workdir))):
                try:
                    section()
                except Exception as e:  # a section that cannot finish is a failure, and the others still run
                    report.check(False, f"{name} checks ran to the end", f"{type(e).__name__}: {e}")
                    for line in traceback.format_exc().rstrip("\n").split("\n"):
                        report.note(line)
    except Exception as e:
        report.check(False, "setup", f"{type(e).__name__}: {e}")
    finally:
        if state["created"]:
            try:
                teardown()
            except Exception as e:
                report.check(False, f"drop database {DB}", f"{type(e).__name__}: {e}")
    report.note(f"{time.monotonic() - started:.1f} s")
    print(f"interop: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
