-- account_sessions: a user's live sessions (mfa.list_sessions), logging out one of them (mfa.revoke_session),
-- and the realm's idle timeout with mfa.touch_session.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

SET pg_mfa.clock_override = 2000000000;
SET pg_mfa.argon2_memory = 1024;
SET pg_mfa.argon2_iterations = 1;
UPDATE mfa.realms SET session_lifetime = '7 days' WHERE name = 'default';
SELECT mfa.create_user('fay', 'fay password') AS fay \gset
SELECT mfa.create_user('gus', 'gus password') AS gus \gset
SELECT token AS laptop FROM mfa.authenticate_password('fay', 'fay password') \gset
SET pg_mfa.clock_override = 2000000100;
SELECT token AS phone FROM mfa.authenticate_password('fay', 'fay password') \gset
SELECT token AS gus_session FROM mfa.authenticate_password('gus', 'gus password') \gset

-- The live sessions of a user, oldest first, without tokens: what a "where you're logged in" page shows.
SELECT session_id AS laptop_id FROM mfa.list_sessions(:fay) ORDER BY session_id LIMIT 1 \gset
SELECT session_id = :laptop_id AS laptop, created_at - to_timestamp(2000000000) AS created, expires_at - created_at AS lifetime,
       last_seen_at = created_at AS not_seen_since, mfa_verified
FROM mfa.list_sessions(:fay) ORDER BY session_id;
SELECT proargnames AS list_sessions_columns FROM pg_proc WHERE oid = 'mfa.list_sessions'::regproc;

-- Log out one device by its id: that session ends, the others stay; false the second time and for an id
-- that is no session.
SELECT mfa.revoke_session(:laptop_id) AS revoked, mfa.revoke_session(:laptop_id) AS again,
       mfa.revoke_session(987654321) AS unknown;
SELECT (SELECT count(*) FROM mfa.validate_session(:'laptop')) AS laptop_validates,
       (SELECT count(*) FROM mfa.validate_session(:'phone')) AS phone_validates,
       (SELECT count(*) FROM mfa.validate_session(:'gus_session')) AS gus_validates;
SELECT count(*) AS fays_sessions FROM mfa.list_sessions(:fay);
SELECT type, result FROM mfa.events WHERE user_id = :fay AND type = 'logout';

-- No idle timeout by default: a session untouched for a day still validates. touch_session says whether the
-- token is live, and writes last-seen at most once a minute.
SET pg_mfa.clock_override = 2000086000;
SELECT count(*) AS validates_after_a_day FROM mfa.validate_session(:'phone');
SELECT mfa.touch_session(:'phone') AS live, mfa.touch_session(:'laptop') AS revoked_one;
SELECT last_seen_at = to_timestamp(2000086000) AS seen_now FROM mfa.list_sessions(:fay);
SET pg_mfa.clock_override = 2000086030;
SELECT mfa.touch_session(:'phone') AS live;
SELECT last_seen_at = to_timestamp(2000086000) AS not_rewritten_within_a_minute FROM mfa.list_sessions(:fay);
SET pg_mfa.clock_override = 2000086060;
SELECT mfa.touch_session(:'phone') AS live;
SELECT last_seen_at = to_timestamp(2000086060) AS rewritten_after_a_minute FROM mfa.list_sessions(:fay);

-- An idle timeout of 10 minutes: validate_session refuses a session not seen for that long (on a standby
-- too: it only reads); touching it keeps it alive.
UPDATE mfa.realms SET session_idle_timeout = '10 minutes' WHERE name = 'default';
SET pg_mfa.clock_override = 2000086600;
SELECT count(*) AS validates_at_9_minutes FROM mfa.validate_session(:'phone');
SELECT mfa.touch_session(:'phone') AS live;
SET pg_mfa.clock_override = 2000087100;
SELECT count(*) AS validates_9_minutes_after_touch FROM mfa.validate_session(:'phone');
SELECT count(*) AS gus_idle_since_login FROM mfa.validate_session(:'gus_session');
SELECT mfa.touch_session(:'gus_session') AS gus_cannot_come_back;
SELECT count(*) AS gus_listed FROM mfa.list_sessions(:gus);
SET pg_mfa.clock_override = 2000087800;
SELECT count(*) AS validates_after_11_idle_minutes FROM mfa.validate_session(:'phone');
SELECT count(*) AS listed FROM mfa.list_sessions(:fay);
UPDATE mfa.realms SET session_idle_timeout = NULL WHERE name = 'default';
SELECT count(*) AS validates_without_a_timeout FROM mfa.validate_session(:'phone');

-- Bad input and policy limits.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS outcome
FROM (VALUES (1, 'list NULL', 'SELECT * FROM mfa.list_sessions(NULL)'),
             (2, 'list unknown user', 'SELECT * FROM mfa.list_sessions(987654321)'),
             (3, 'revoke NULL', 'SELECT mfa.revoke_session(NULL)'),
             (4, 'touch NULL', 'SELECT mfa.touch_session(NULL)'),
             (5, 'touch garbage', 'SELECT mfa.touch_session(''kss_nothing'')'),
             (6, 'timeout 1 minute', 'UPDATE mfa.realms SET session_idle_timeout = ''1 minute'''),
             (7, 'timeout 31 days', 'UPDATE mfa.realms SET session_idle_timeout = ''31 days''')) AS v(n, label, q)
ORDER BY v.n;

-- Read-only: list_sessions works, touch_session and revoke_session refuse before looking (25006).
BEGIN READ ONLY;
SELECT count(*) AS listed_read_only FROM mfa.list_sessions(:fay);
SELECT pg_temp.sqlstate_of(format('SELECT mfa.touch_session(%L)', :'phone')) AS touch_read_only;
ROLLBACK;

DROP EXTENSION pg_mfa;
