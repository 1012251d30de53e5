-- events_retention: mfa.purge_events(older_than) deletes audit events older than older_than (the
-- administrator's retention) and nothing newer; only mfa_admin may call it; bad intervals are errors.
CREATE EXTENSION pg_mfa;
\i sql/include/sqlstate_of.sql
SET pg_mfa.argon2_memory = '64kB';
SET pg_mfa.argon2_iterations = 1;

-- Four events, dated on the fixed clock of the flows (2033-05-18): two 40 days old, one 10 days, one now.
SET pg_mfa.clock_override = 2000000000;
SELECT mfa.create_user('alice', 'alice pw') AS alice \gset
SELECT result FROM mfa.authenticate_password('alice', 'wrong');
SELECT result FROM mfa.authenticate_password('alice', 'alice pw');
SELECT result FROM mfa.authenticate_password('alice', 'wrong again');
UPDATE mfa.events AS e SET occurred_at = to_timestamp(2000000000) - a.age
FROM (SELECT event_id, (ARRAY[interval '40 days', '40 days', '10 days', '0'])[row_number() OVER (ORDER BY event_id)] AS age
      FROM mfa.events) AS a
WHERE a.event_id = e.event_id;
SELECT count(*) AS events FROM mfa.events;

-- Keep 30 days: the two 40-day-old events go, the rest stays; again: nothing more to delete.
SELECT mfa.purge_events('30 days') AS deleted;
SELECT mfa.purge_events('30 days') AS deleted_again;
SELECT type, result, reason, to_timestamp(2000000000) - occurred_at AS age FROM mfa.events ORDER BY event_id;
-- Keep nothing older than now.
SELECT mfa.purge_events('0') AS deleted_all_but_now;
SELECT count(*) AS left_now FROM mfa.events;

-- Bad input.
SELECT pg_temp.sqlstate_of($$SELECT mfa.purge_events(NULL)$$) AS null_interval,
       pg_temp.sqlstate_of($$SELECT mfa.purge_events('-1 day')$$) AS negative;

-- Who may: a role with admin rights, not one with client rights.
CREATE ROLE regress_retention_app;
CREATE ROLE regress_retention_admin;
SELECT mfa.grant_client('regress_retention_app');
SELECT mfa.grant_admin('regress_retention_admin');
SET ROLE regress_retention_app;
SELECT pg_temp.sqlstate_of($$SELECT mfa.purge_events('30 days')$$) AS client;
RESET ROLE;
SET ROLE regress_retention_admin;
SELECT pg_temp.sqlstate_of($$SELECT mfa.purge_events('30 days')$$) AS admin;
RESET ROLE;

DROP EXTENSION pg_mfa;
DROP ROLE regress_retention_app;
DROP ROLE regress_retention_admin;
