-- login_clients: lockout without denial of service, and the credential-stuffing ceiling, on the fixed test
-- clock. A client (authenticate_password's `client`) that completed a login as a user has a password count
-- of its own for that user; every other client shares the user's count, so rotating the client value gains
-- nothing; one client's failures across users meet a ceiling of 20 in a burst, one more every 30 s.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- Cheap hashes: this file logs in many times.
SET pg_mfa.argon2_memory = '1MB';
SET pg_mfa.argon2_iterations = 1;
SET pg_mfa.clock_override = 2000000000;

-- pw: one password attempt's result; tries: n of them, each from its own client if `client` ends in '%'
-- (client-1, client-2, ...), else all from that client.
CREATE FUNCTION pg_temp.pw(username text, password text, client text) RETURNS text LANGUAGE sql AS $$
    SELECT result FROM mfa.authenticate_password(username, password, client => client)
$$;
CREATE FUNCTION pg_temp.tries(username text, password text, client text, n integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    results text[] := '{}';
BEGIN
    FOR i IN 1..n LOOP
        results := results || pg_temp.pw(username, password,
                                         CASE WHEN client LIKE '%\%' THEN rtrim(client, '%') || i ELSE client END);
    END LOOP;
    RETURN (SELECT string_agg(DISTINCT r, ',') || ' x' || n FROM unnest(results) AS r);
END
$$;
-- counts: a user's password count for the clients it does not know, and that of each known client.
CREATE FUNCTION pg_temp.counts(username text) RETURNS TABLE (bucket text, failures integer, wait interval)
LANGUAGE sql AS $$
    SELECT 'unknown clients', l.password_failures, l.password_locked_until - mfa_internal._now()
    FROM mfa.user_lockouts AS l JOIN mfa.users AS u USING (user_id) WHERE u.username = $1
    UNION ALL
    SELECT 'known client #' || row_number() OVER (ORDER BY k.known_client_id), coalesce(j.failures, 0),
           j.locked_until - mfa_internal._now()
    FROM mfa.known_clients AS k JOIN mfa.users AS u USING (user_id)
    LEFT JOIN LATERAL (SELECT j.failures, j.locked_until FROM mfa.throttle_journal AS j
                       WHERE j.kind = 'k' AND j.subject = k.known_client_id ORDER BY j.entry_id DESC LIMIT 1) AS j ON true
    WHERE u.username = $1
$$;
-- ceiling: a client's failures across the users of the default realm, and when its bucket is empty.
CREATE FUNCTION pg_temp.ceiling(client text) RETURNS TABLE (failures integer, empty_in interval) LANGUAGE sql AS $$
    SELECT coalesce(j.failures, 0), greatest(j.locked_until - mfa_internal._now(), '0'::interval)
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT j.failures, j.locked_until FROM mfa.throttle_journal AS j
                       WHERE j.kind = 'x' AND j.subject = mfa_internal._client_subject(
                                 (SELECT r.realm_id FROM mfa.realms AS r WHERE r.name = 'default'), $1)
                       ORDER BY j.entry_id DESC LIMIT 1) AS j ON true
$$;
CREATE FUNCTION pg_temp.events_since(mark bigint) RETURNS TABLE (type text, result text, reason text, username text, client text)
LANGUAGE sql AS $$
    SELECT e.type, e.result, e.reason, u.username, e.client
    FROM mfa.events AS e LEFT JOIN mfa.users AS u USING (user_id)
    WHERE e.event_id > mark ORDER BY e.event_id
$$;

SELECT mfa.create_user('alice', 'alice pw 1') AS alice \gset
SELECT mfa.create_user('bob', 'bob pw 12') AS bob \gset
SELECT mfa.create_user('carol', 'carol pw 1') AS carol \gset
SELECT count(mfa.create_user('user-' || i, 'user pw ' || i)) AS more_users FROM generate_series(1, 30) AS i;

-- Without a client, nothing changes from before: one count per user, and no client is remembered.
SELECT pg_temp.pw('alice', 'alice pw 1', NULL) AS no_client;
SELECT count(*) AS known FROM mfa.known_clients;

-- A login from the owner's laptop completes: the laptop is known to alice from now on (its digest only).
SELECT max(event_id) AS mark FROM mfa.events \gset
SELECT pg_temp.pw('alice', 'alice pw 1', 'laptop') AS laptop;
SELECT k.user_id = :alice AS alices, k.client_digest = sha256('laptop'::bytea) AS digest_of_the_client,
       k.first_login_at = to_timestamp(2000000000) AS first, k.last_login_at = to_timestamp(2000000000) AS last
FROM mfa.known_clients AS k;
SELECT * FROM pg_temp.events_since(:mark);

-- The attack: ten wrong passwords, each from a new client value. They share alice's count for unknown
-- clients, which now makes every unknown client wait, the right password included: rotating gains nothing.
SELECT max(event_id) AS mark FROM mfa.events \gset
SELECT pg_temp.tries('alice', 'wrong pw 1', 'bot-%', 10) AS attack;
SELECT * FROM pg_temp.counts('alice');
SELECT pg_temp.pw('alice', 'alice pw 1', 'bot-11') AS new_client_right_password,
       pg_temp.pw('alice', 'alice pw 1', NULL) AS no_client_right_password;
-- The owner, on the known laptop, logs in all the same; it forgives nothing of the attacker's count.
SELECT pg_temp.pw('alice', 'alice pw 1', 'laptop') AS owner_on_laptop;
SELECT * FROM pg_temp.counts('alice');
SELECT type, result, reason, client FROM pg_temp.events_since(:mark) WHERE client IN ('bot-1', 'bot-10', 'bot-11', 'laptop')
   OR client IS NULL;
-- Each bot client met its own ceiling once: far below it.
SELECT * FROM pg_temp.ceiling('bot-1');

-- A known client's own wrong passwords count for it alone, with the same policy: ten, then it waits too.
SELECT pg_temp.tries('alice', 'wrong pw 2', 'laptop', 10) AS laptop_typos;
SELECT pg_temp.pw('alice', 'alice pw 1', 'laptop') AS laptop_waits;
SELECT * FROM pg_temp.counts('alice');
SET pg_mfa.clock_override = 2000000030;
SELECT pg_temp.pw('alice', 'alice pw 1', 'laptop') AS laptop_after_the_delay;
SELECT * FROM pg_temp.counts('alice');

-- Known for 30 days (known_client_lifetime) after its last login: then the laptop is a client like any other,
-- and its success forgives the unknown clients' count.
SET pg_mfa.clock_override = 2002592031;  -- 30 days and 1 second later
SELECT pg_temp.pw('alice', 'alice pw 1', 'laptop') AS laptop_forgotten_then_known_again;
SELECT * FROM pg_temp.counts('alice');
SELECT k.last_login_at = to_timestamp(2002592031) AS refreshed FROM mfa.known_clients AS k WHERE k.user_id = :alice;
-- The last login is written at most once an hour.
SET pg_mfa.clock_override = 2002592100;
SELECT pg_temp.pw('alice', 'alice pw 1', 'laptop') AS again;
SELECT k.last_login_at = to_timestamp(2002592031) AS not_rewritten FROM mfa.known_clients AS k WHERE k.user_id = :alice;

-- With a second factor, the client becomes known when the second step succeeds, not before.
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:bob, 'Phone') \gset
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2002592100 - 30))) AS enrolled;
SELECT max(event_id) AS mark FROM mfa.events \gset
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pw 12', client => 'phone') \gset
SELECT count(*) AS known_after_password FROM mfa.known_clients WHERE user_id = :bob;
SELECT result FROM mfa.complete_mfa(:'kli', mfa.totp_code(:'sec', to_timestamp(2002592100)));
SELECT count(*) AS known_after_second_step FROM mfa.known_clients WHERE user_id = :bob;
SELECT * FROM pg_temp.events_since(:mark);
-- A second step that fails teaches nothing either.
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pw 12', client => 'tablet') \gset
SELECT result FROM mfa.complete_mfa(:'kli', '000000');
SELECT count(*) AS known FROM mfa.known_clients WHERE user_id = :bob;

-- Credential stuffing: one client, one password, many usernames (some of no account). No user's count
-- reaches its threshold; the client's ceiling does: 20 failures, and its next attempt is refused without
-- being evaluated, even with a right password, and with an event of its own.
SET pg_mfa.clock_override = 2010000000;
SELECT max(event_id) AS mark FROM mfa.events \gset
SELECT string_agg(DISTINCT pg_temp.pw('user-' || i, 'Summer2026!', 'stuffer'), ',') AS stuffing, count(*)
FROM generate_series(1, 15) AS i;
SELECT string_agg(DISTINCT pg_temp.pw('nobody-' || i, 'Summer2026!', 'stuffer'), ',') AS no_such_user, count(*)
FROM generate_series(1, 5) AS i;
SELECT * FROM pg_temp.ceiling('stuffer');
SELECT pg_temp.pw('carol', 'carol pw 1', 'stuffer') AS right_password_refused,
       pg_temp.pw('nobody-6', 'x pw 12345', 'stuffer') AS unknown_user_refused;
SELECT reason, count(*) FROM pg_temp.events_since(:mark) WHERE client = 'stuffer' GROUP BY reason ORDER BY reason;
SELECT * FROM pg_temp.counts('carol');  -- the refused attempts counted nothing on carol
SELECT * FROM pg_temp.ceiling('stuffer');  -- nor on the client
-- Every other client is unaffected, and so is a client that a user knows (a shared address).
SELECT pg_temp.pw('carol', 'carol pw 1', 'carols-phone') AS other_client;
-- The bucket drains: one more attempt every 30 seconds (a success takes nothing from it).
SELECT max(event_id) AS mark FROM mfa.events \gset
SET pg_mfa.clock_override = 2010000029;
SELECT pg_temp.pw('user-16', 'user pw 16', 'stuffer') AS at_29_seconds;
SET pg_mfa.clock_override = 2010000030;
SELECT pg_temp.pw('user-16', 'Summer2026!', 'stuffer') AS at_30_seconds,
       pg_temp.pw('user-17', 'user pw 17', 'stuffer') AS and_the_next;
SELECT type, result, reason, username FROM pg_temp.events_since(:mark);
SELECT * FROM pg_temp.ceiling('stuffer');

-- A client a user knows is exempt from the ceiling for that user: people behind one address (an office,
-- a carrier's NAT) still log in to their own accounts while someone there stuffs credentials.
SET pg_mfa.clock_override = 2020000000;
SELECT pg_temp.pw('carol', 'carol pw 1', 'office') AS carol_at_the_office;
SELECT string_agg(DISTINCT pg_temp.pw('user-' || i, 'Winter2026!', 'office'), ',') AS stuffing_from_the_office,
       count(*)
FROM generate_series(1, 20) AS i;
SELECT pg_temp.pw('user-21', 'user pw 21', 'office') AS stranger_refused,
       pg_temp.pw('carol', 'carol pw 1', 'office') AS carol_still_logs_in;

-- The administrator's reset forgives the known clients' counts too. (The laptop was last seen half a year
-- ago: it logs in first, to be known again.)
SELECT pg_temp.pw('alice', 'alice pw 1', 'laptop') AS laptop_back;
SELECT pg_temp.tries('alice', 'wrong pw 3', 'laptop', 3) AS laptop_typos;
SELECT pg_temp.tries('alice', 'wrong pw 3', 'bot-%', 2) AS bot_guesses;
SELECT * FROM pg_temp.counts('alice');
SELECT mfa.reset_lockout(:alice);
SELECT * FROM pg_temp.counts('alice');
-- A new password forgets every known client (the end of a takeover: the taker's client is known no more),
-- and so does a 2FA reset.
SELECT mfa.set_password(:alice, 'alice pw 2');
SELECT count(*) AS alice_known FROM mfa.known_clients WHERE user_id = :alice;
SELECT mfa.reset_mfa(:bob);
SELECT count(*) AS bob_known FROM mfa.known_clients WHERE user_id = :bob;

-- purge_expired deletes clients not seen for the realm's known_client_lifetime plus the cutoff.
SELECT count(*) AS known FROM mfa.known_clients;
SET pg_mfa.clock_override = 2022592001;  -- 30 days and 1 second after the office logins
SELECT * FROM mfa.purge_expired('0 seconds');
SELECT count(*) AS known FROM mfa.known_clients;

-- Bad input is an error for everyone alike, before any lookup: an empty client, more than 255 bytes.
SELECT pg_temp.sqlstate_of($$SELECT mfa.authenticate_password('alice', 'alice pw 2', client => '')$$) AS empty_client,
       pg_temp.sqlstate_of($$SELECT mfa.authenticate_password('nobody', 'alice pw 2', client => repeat('c', 256))$$) AS long_client,
       pg_temp.pw('alice', 'alice pw 2', repeat('é', 127) || 'c') AS client_of_255_bytes;
\set VERBOSITY default
SELECT mfa.authenticate_password('alice', 'alice pw 2', client => repeat('c', 256));
SELECT mfa.authenticate_password('alice', 'alice pw 2', client => '');
\set VERBOSITY terse

-- Realm policy, with its ranges.
UPDATE mfa.realms SET client_failure_limit = 0 WHERE name = 'default';
UPDATE mfa.realms SET client_failure_window = '0 seconds' WHERE name = 'default';
UPDATE mfa.realms SET known_client_lifetime = '2 years' WHERE name = 'default';
UPDATE mfa.realms SET client_failure_limit = 1, client_failure_window = '1 hour' WHERE name = 'default';
SELECT max(event_id) AS mark FROM mfa.events \gset
SELECT pg_temp.pw('nobody', 'guess pw 1', 'slow') AS first, pg_temp.pw('nobody', 'guess pw 2', 'slow') AS second;
SELECT reason FROM pg_temp.events_since(:mark);
SELECT * FROM pg_temp.ceiling('slow');

DROP EXTENSION pg_mfa;
