-- session_context: sessions that policies can read and step-up in the business transaction, on the fixed
-- test clock. mfa.session_info tells a live session's assurance from the rows as they are; mfa.begin_request
-- puts it into the transaction (mfa.user_id, mfa.aal, mfa.mfa_age) for row-level security policies, and
-- nothing else can: not SET, not set_config, not the next transaction. mfa.step_up checks a code in the
-- application's own transaction: its success commits or rolls back with the business write, its failure
-- is counted whatever the transaction does.
CREATE EXTENSION pg_mfa;
\i sql/include/sqlstate_of.sql

SET pg_mfa.argon2_memory = '1MB';
SET pg_mfa.argon2_iterations = 1;
SET pg_mfa.clock_override = 2000000000;

CREATE FUNCTION pg_temp.wrong_code(secret text, at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT c FROM unnest(ARRAY['000000', '111111', '222222', '333333']) AS c
    WHERE c NOT IN (SELECT mfa.totp_code(secret, at + s * interval '30 seconds') FROM generate_series(-10, 10) AS s)
    LIMIT 1
$$;
-- begin_then_fail: begin_request in a PL/pgSQL block that then fails (its subtransaction rolls back).
CREATE FUNCTION pg_temp.begin_then_fail(token text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM mfa.begin_request(token);
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLERRM;
    END;
END
$$;
-- What a session looks like now, without its ids.
CREATE FUNCTION pg_temp.info(token text) RETURNS TABLE (live boolean, aal text, mfa_at timestamptz, methods text[])
LANGUAGE sql AS $$
    SELECT count(*) > 0, min(i.aal), min(i.mfa_at), min(i.methods::text)::text[] FROM mfa.session_info(token) AS i
$$;

-- Alice logs in with her password before she has a device (aal1), then enrolls one, keeping that session.
SELECT mfa.create_user('alice', 'alice password') AS alice \gset
SELECT mfa.create_user('bob', 'bob password') AS bob \gset
SELECT result, token AS kss_pwd FROM mfa.authenticate_password('alice', 'alice password') \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:alice, 'Phone') \gset
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000000000)), keep_session => :'kss_pwd') AS enrolled;
SELECT * FROM pg_temp.info(:'kss_pwd');
-- Both steps, 30 seconds later: aal2, the second factor checked now.
SET pg_mfa.clock_override = 2000000030;
SELECT token AS kli FROM mfa.authenticate_password('alice', 'alice password') \gset
SELECT result, token AS kss_mfa FROM mfa.complete_mfa(:'kli', mfa.totp_code(:'sec', to_timestamp(2000000030))) \gset
SELECT * FROM pg_temp.info(:'kss_mfa');
-- validate_session keeps its signature and agrees.
SELECT user_id = :alice AS alice, realm FROM mfa.validate_session(:'kss_mfa');

-- The application's table: a user sees and changes their own payouts, only at aal2; a change also needs a
-- second factor checked within 5 minutes.
CREATE ROLE regress_ctx_app;
SELECT mfa.grant_client('regress_ctx_app');
CREATE TABLE payouts (payout_id integer PRIMARY KEY, user_id bigint NOT NULL, amount numeric NOT NULL);
INSERT INTO payouts VALUES (1, :alice, 100), (2, :bob, 200);
ALTER TABLE payouts ENABLE ROW LEVEL SECURITY;
CREATE POLICY payouts_own_aal2 ON payouts
    USING (user_id = (SELECT mfa.user_id()) AND (SELECT mfa.aal()) = 'aal2');
CREATE POLICY payouts_fresh_change ON payouts AS RESTRICTIVE FOR UPDATE
    USING ((SELECT mfa.mfa_age()) <= interval '5 minutes');
GRANT SELECT, UPDATE ON payouts TO regress_ctx_app;

SET ROLE regress_ctx_app;
-- No context: every reader gives NULL and the policy shows nothing.
SELECT mfa.user_id(), mfa.aal(), mfa.mfa_age(), (SELECT count(*) FROM payouts) AS payouts;
-- Password only: a context at aal1, no rows.
BEGIN;
SELECT mfa.begin_request(:'kss_pwd') AS begun;
SELECT mfa.user_id() = :alice AS alice, mfa.aal(), mfa.mfa_age(), (SELECT count(*) FROM payouts) AS payouts;
COMMIT;
-- Both steps: aal2, alice's row only.
BEGIN;
SELECT mfa.begin_request(:'kss_mfa') AS begun;
SELECT mfa.user_id() = :alice AS alice, mfa.aal(), mfa.mfa_age();
SELECT payout_id, amount FROM payouts;
SELECT mfa.require_aal2() AS aal2, mfa.require_fresh_mfa('5 minutes') AS fresh;
COMMIT;
-- The next transaction starts without a context: nothing is carried over.
SELECT mfa.user_id(), mfa.aal(), (SELECT count(*) FROM payouts) AS payouts;

-- Nobody sets the context but begin_request with a live token: not SET, not set_config (pg_mfa's prefix is
-- reserved), not the internal function (granted to nobody), not an unknown token.
SELECT pg_temp.sqlstate_of($$SET mfa.user_id = 1$$) AS set_mfa,
       pg_temp.sqlstate_of(format('SELECT set_config(%L, %L, false)', 'pg_mfa.user_id', :alice)) AS set_config_pg_mfa,
       pg_temp.sqlstate_of(format('SELECT mfa_internal._set_request(1, %s, true, now())', :alice)) AS internal;
SELECT mfa.user_id(), mfa.aal(), (SELECT count(*) FROM payouts) AS payouts;
RESET mfa.user_id;
BEGIN;
SELECT mfa.begin_request(:'kss_mfa') AS begun, mfa.aal();
SELECT mfa.begin_request('kss_not_a_session') AS begun, mfa.user_id(), mfa.aal(), (SELECT count(*) FROM payouts) AS payouts;
COMMIT;

-- Subtransactions: a context set in a savepoint that is rolled back is gone (fail closed: also the one set
-- before it); a released savepoint keeps it; so does a PL/pgSQL block that ends without an error.
BEGIN;
SAVEPOINT a;
SELECT mfa.begin_request(:'kss_mfa') AS begun;
ROLLBACK TO SAVEPOINT a;
SELECT mfa.aal() AS after_rollback_to;
SAVEPOINT b;
SELECT mfa.begin_request(:'kss_mfa') AS begun;
RELEASE SAVEPOINT b;
SELECT mfa.aal() AS after_release;
SAVEPOINT c;
SELECT mfa.begin_request(:'kss_pwd') AS begun;
ROLLBACK TO SAVEPOINT c;
SELECT mfa.aal() AS after_rollback_of_a_later_call;
SELECT pg_temp.begin_then_fail(:'kss_mfa') AS caught, mfa.aal() AS after_failed_block;
COMMIT;

-- Errors: bad input, and the class-28 errors of require_aal2 and require_fresh_mfa.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'begin_request(NULL)', $$SELECT mfa.begin_request(NULL)$$),
    (2, 'session_info(NULL)', $$SELECT mfa.session_info(NULL)$$),
    (3, 'step_up(NULL, code)', $$SELECT mfa.step_up(NULL, '123456')$$),
    (4, 'step_up(token, NULL)', $$SELECT mfa.step_up('kss_x', NULL)$$),
    (5, 'require_fresh_mfa(NULL)', $$SELECT mfa.require_fresh_mfa(NULL)$$),
    (6, 'require_fresh_mfa(negative)', $$SELECT mfa.require_fresh_mfa('-1 second')$$),
    (7, 'require_aal2 without a context', $$SELECT mfa.require_aal2()$$),
    (8, 'require_fresh_mfa without a context', $$SELECT mfa.require_fresh_mfa('1 hour')$$),
    (9, 'require_aal2 at aal1', format('SELECT mfa.begin_request(%L), mfa.require_aal2()', :'kss_pwd'))
  ) AS v(n, label, q)
ORDER BY v.n;
RESET ROLE;

-- Ten minutes later: still aal2, but the change needs a fresh second factor.
SET pg_mfa.clock_override = 2000000630;
SET ROLE regress_ctx_app;
BEGIN;
SELECT mfa.begin_request(:'kss_mfa') AS begun, mfa.aal(), mfa.mfa_age();
SELECT payout_id FROM payouts;
WITH u AS (UPDATE payouts SET amount = 150 WHERE payout_id = 1 RETURNING 1) SELECT count(*) AS updated FROM u;
SELECT pg_temp.sqlstate_of($$SELECT mfa.require_fresh_mfa('5 minutes')$$) AS fresh;
COMMIT;

-- Step-up and the business write, rolled back together: the code is not consumed, the session keeps its
-- older check and no audit row remains.
BEGIN;
SELECT mfa.begin_request(:'kss_mfa') AS begun;
SELECT mfa.step_up(:'kss_mfa', mfa.totp_code(:'sec', to_timestamp(2000000630))) AS stepped_up;
-- The context of this transaction sees it at once, so does the policy.
SELECT mfa.aal(), mfa.mfa_age();
WITH u AS (UPDATE payouts SET amount = 150 WHERE payout_id = 1 RETURNING 1) SELECT count(*) AS updated FROM u;
ROLLBACK;
RESET ROLE;
SELECT last_step, last_used_at FROM mfa.credentials WHERE credential_id = :dev;
SELECT mfa_at FROM pg_temp.info(:'kss_mfa');
SELECT count(*) AS step_up_events FROM mfa.events WHERE type = 'step_up';
SELECT amount FROM payouts WHERE payout_id = 1;

-- The same code again, committed with the write: both stay.
SET ROLE regress_ctx_app;
BEGIN;
SELECT mfa.begin_request(:'kss_mfa') AS begun;
SELECT mfa.step_up(:'kss_mfa', mfa.totp_code(:'sec', to_timestamp(2000000630))) AS stepped_up;
WITH u AS (UPDATE payouts SET amount = 150 WHERE payout_id = 1 RETURNING 1) SELECT count(*) AS updated FROM u;
COMMIT;
RESET ROLE;
SELECT last_step = 2000000630 / 30 AS consumed FROM mfa.credentials WHERE credential_id = :dev;
SELECT * FROM pg_temp.info(:'kss_mfa');
SELECT type, result, reason, credential_id = :dev AS device FROM mfa.events WHERE type = 'step_up' ORDER BY event_id;
SELECT amount FROM payouts WHERE payout_id = 1;

-- Failures are counted and audited by the background worker whatever the transaction does: a wrong code
-- and a replayed one in transactions that roll back, a malformed one (audited, not a guess), a dead session.
SET ROLE regress_ctx_app;
BEGIN;
SELECT mfa.step_up(:'kss_mfa', pg_temp.wrong_code(:'sec', to_timestamp(2000000630))) AS wrong;
ROLLBACK;
BEGIN;
SELECT mfa.step_up(:'kss_mfa', mfa.totp_code(:'sec', to_timestamp(2000000630))) AS replayed;
ROLLBACK;
SELECT mfa.step_up(:'kss_mfa', '12345') AS malformed,
       mfa.step_up('kss_not_a_session', mfa.totp_code(:'sec', to_timestamp(2000000630))) AS dead_session;
RESET ROLE;
SELECT code_failures FROM mfa.user_lockouts WHERE user_id = :alice;
SELECT type, result, reason, user_id = :alice AS alice FROM mfa.events WHERE type = 'step_up' ORDER BY event_id;

-- A step-up raises a password-only session to aal2 (the user has an active device), and a recovery code
-- does too; the methods say how.
SET pg_mfa.clock_override = 2000000660;
SELECT c AS recovery FROM mfa.generate_recovery_codes(:alice, 1) AS c \gset
SET ROLE regress_ctx_app;
SELECT mfa.step_up(:'kss_pwd', mfa.totp_code(:'sec', to_timestamp(2000000660))) AS stepped_up;
SELECT * FROM pg_temp.info(:'kss_pwd');
SELECT mfa.step_up(:'kss_pwd', :'recovery') AS stepped_up_with_recovery_code;
SELECT * FROM pg_temp.info(:'kss_pwd');
RESET ROLE;
-- A recovery code used in a step-up is announced to the account's owner, like one used at login.
SELECT type, reason FROM mfa.account_event((SELECT max(event_id) FROM mfa.events WHERE type = 'step_up'));

-- Read-only (a hot standby's only kind of transaction): begin_request and the readers work; step_up, which
-- writes, refuses like every writing function.
BEGIN READ ONLY;
SELECT mfa.begin_request(:'kss_mfa') AS begun, mfa.aal();
SELECT pg_temp.sqlstate_of(format('SELECT mfa.step_up(%L, %L)', :'kss_mfa', '123456')) AS step_up;
COMMIT;

-- Assurance comes from the rows when begin_request runs. A session logged out: no context from the next
-- transaction on.
SET ROLE regress_ctx_app;
SELECT mfa.logout(:'kss_pwd') AS logged_out;
BEGIN;
SELECT mfa.begin_request(:'kss_pwd') AS begun, mfa.aal(), (SELECT count(*) FROM payouts) AS payouts;
COMMIT;
-- The last device deleted (the session kept): the session lives on at aal1 and the rows are invisible.
BEGIN;
SELECT mfa.begin_request(:'kss_mfa') AS begun, mfa.aal(), (SELECT count(*) FROM payouts) AS payouts;
COMMIT;
SELECT mfa.delete_credential(:dev, keep_session => :'kss_mfa') AS deleted;
BEGIN;
SELECT mfa.begin_request(:'kss_mfa') AS begun, mfa.aal(), mfa.mfa_age(), (SELECT count(*) FROM payouts) AS payouts;
SELECT pg_temp.sqlstate_of($$SELECT mfa.require_aal2()$$) AS require_aal2;
COMMIT;
RESET ROLE;
SELECT * FROM pg_temp.info(:'kss_mfa');
-- A 2FA reset ends every session.
SELECT mfa.reset_mfa(:alice);
SELECT * FROM pg_temp.info(:'kss_mfa');

-- The readers are STABLE and PARALLEL RESTRICTED (a parallel worker cannot see the leader's memory);
-- begin_request and step_up PARALLEL UNSAFE.
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility, p.proparallel AS parallel
FROM pg_proc AS p
WHERE p.oid IN ('mfa.user_id()'::regprocedure, 'mfa.aal()'::regprocedure, 'mfa.mfa_age()'::regprocedure,
                'mfa.require_aal2()'::regprocedure, 'mfa.require_fresh_mfa(interval)'::regprocedure,
                'mfa.begin_request(text)'::regprocedure, 'mfa.step_up(text, text)'::regprocedure,
                'mfa.session_info(text)'::regprocedure)
ORDER BY p.oid::regprocedure::text;

DROP TABLE payouts;
SELECT mfa.revoke_rights('regress_ctx_app');
DROP ROLE regress_ctx_app;
DROP EXTENSION pg_mfa;
