-- hostile_inputs: a corpus of hostile SQL-level inputs against every function in schema mfa, internal ones
-- included: NULLs, empty strings, 1 MB strings, control characters, SQL metacharacters, quotes and
-- backslashes, printf directives, odd Unicode, binary and invalid UTF-8 bytes, extreme and negative numbers,
-- infinite and out-of-range times and intervals, impossible realm rows. Each call either gives a result (a
-- value, NULL, false, "failed", no rows) or a clean error with a SQLSTATE; none crashes the server. The list
-- of functions comes from pg_proc, so a function added without a corpus entry fails this test. Inputs that
-- cannot reach a function at all (invalid UTF-8, NUL, failing casts, wrong types) are shown being refused by
-- the server first. Passwords over 1024 bytes are refused without being hashed.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- The server and this session at the start: a crash of any backend ends every session (this one too) and
-- restarts the others; the end of this file checks that it is still the same session.
SELECT pg_postmaster_start_time() AS start_time, pg_backend_pid() AS backend_pid \gset

-- A fixed clock; cheap hashes (the corpus makes hundreds of calls); a throttle that stays out of the way (the
-- corpus makes dozens of wrong guesses, and their outcome must not depend on how many came before).
SET pg_mfa.clock_override = 2000000000;
SET pg_mfa.argon2_memory = '64kB';
SET pg_mfa.argon2_iterations = 1;
UPDATE mfa.realms SET code_lockout_threshold = 100, code_disable_threshold = 1000, password_lockout_threshold = 1000,
                      mfa_token_max_failures = 100
WHERE realm_id = 0;

-- The fixture: Alice, with a password and a device enrolled at T-30, logged in with both steps (a session),
-- and a second kli_ token waiting for the code of T+30; Carol, whose attempts the internal throttle functions
-- count.
SELECT mfa.create_user('alice@example.com', 'alice pw') AS alice \gset
SELECT mfa.create_user('carol@example.com', 'carol pw') AS carol \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:alice, 'Phone') \gset
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(1999999970))) AS enrolled;
SELECT token AS kli1 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT token AS kss FROM mfa.complete_mfa(:'kli1', mfa.totp_code(:'sec', to_timestamp(2000000000))) \gset
SELECT token AS kli FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT mfa.totp_code(:'sec', to_timestamp(2000000030)) AS next_code \gset
SELECT password_hash AS alice_hash FROM mfa.credentials WHERE user_id = :alice AND type = 'password' \gset
-- Roles for the rights functions: one without rights, one with the admin rights.
CREATE ROLE regress_hostile_app;
CREATE ROLE regress_hostile_ops;
SELECT mfa.grant_admin('regress_hostile_ops');
-- Fresh throttle subjects for the internal throttle functions, so no call meets another's count.
CREATE SEQUENCE pg_temp.subjects START 1000000;

-- ---------------------------------------------------------------------------------------------------------
-- The corpus: for every function, valid arguments (SQL expressions), and how its result is shown when the
-- result is random or depends on the server's configuration (%s: the argument list).
CREATE TABLE pg_temp.corpus (fn regprocedure PRIMARY KEY, args text[] NOT NULL, call text);
INSERT INTO pg_temp.corpus (fn, args, call) VALUES
    ('mfa.base32_encode(bytea)', ARRAY[$$'\x48656c6c6f21deadbeef'$$], NULL),
    ('mfa.base32_decode(text)', ARRAY[$$'JBSWY3DPEHPK3PXP'$$], NULL),
    ('mfa.hotp_code(text, bigint, integer, text)',
     ARRAY[$$'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'$$, '0', '6', $$'sha1'$$], NULL),
    ('mfa.totp_code(text, timestamptz, integer, integer, text)',
     ARRAY[$$'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'$$, 'to_timestamp(1234567890)', '8', '30', $$'sha1'$$], NULL),
    ('mfa.generate_secret(integer)', ARRAY['20'], 'SELECT length(mfa.generate_secret(%s))'),
    ('mfa.otpauth_uri(text, text, text, integer, integer, text)',
     ARRAY[$$'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'$$, $$'alice@example.com'$$, $$'ACME Co'$$, '6', '30', $$'sha1'$$], NULL),
    ('mfa.hash_password(text)', ARRAY[$$'alice pw'$$], NULL),
    ('mfa.verify_password(text, text)', ARRAY[$$'alice pw'$$, format('%L', :'alice_hash')], NULL),
    ('mfa.password_needs_rehash(text)', ARRAY[format('%L', :'alice_hash')], NULL),
    ('mfa.qr_svg(text)', ARRAY[$$'otpauth://totp/x'$$], 'SELECT md5(mfa.qr_svg(%s))'),
    ('mfa.qr_text(text, boolean)', ARRAY[$$'otpauth://totp/x'$$, 'false'], 'SELECT md5(mfa.qr_text(%s))'),
    ('mfa.create_user(text, text, text, text)', ARRAY[$$'bob@example.com'$$, $$'bob pw 1'$$, $$'default'$$, 'NULL'], NULL),
    ('mfa.set_password(bigint, text, text, text)', ARRAY[:'alice', $$'alice pw 2'$$, 'NULL', format('%L', :'kss')], NULL),
    ('mfa.revoke_sessions(bigint)', ARRAY[:'alice'], NULL),
    ('mfa.totp_create_credential(bigint, text)', ARRAY[:'alice', $$'Tablet'$$],
     $$SELECT (c.state, length(c.otp_secret), c.provisioning_uri ~ '^otpauth://totp/default:alice%%40example.com\?secret=',
               length(c.provisioning_svg) > 0) FROM mfa.totp_create_credential(%s) AS c$$),
    ('mfa.totp_verify(bigint, text, text)', ARRAY[:'dev', format('%L', :'next_code'), format('%L', :'kss')], NULL),
    ('mfa.delete_credential(bigint, text)', ARRAY[:'dev', format('%L', :'kss')], NULL),
    ('mfa.list_credentials(bigint)', ARRAY[:'alice'],
     'SELECT string_agg(c.type || '':'' || c.state, '','' ORDER BY c.credential_id) FROM mfa.list_credentials(%s) AS c'),
    ('mfa.rename_credential(bigint, text)', ARRAY[:'dev', $$'Work phone'$$], NULL),
    ('mfa.authenticate_password(text, text, text, text, text)',
     ARRAY[$$'alice@example.com'$$, $$'alice pw'$$, $$'default'$$, $$'203.0.113.7'$$, $$'kdt_x'$$], NULL),
    ('mfa.complete_mfa(text, text)', ARRAY[format('%L', :'kli'), format('%L', :'next_code')], NULL),
    ('mfa.generate_recovery_codes(bigint, integer)', ARRAY[:'alice', '2'],
     $$SELECT count(*) FILTER (WHERE c ~ '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$') FROM mfa.generate_recovery_codes(%s) AS c$$),
    ('mfa.recovery_codes_remaining(bigint)', ARRAY[:'alice'], NULL),
    ('mfa.validate_session(text)', ARRAY[format('%L', :'kss')], NULL),
    ('mfa.logout(text)', ARRAY[format('%L', :'kss')], NULL),
    ('mfa.touch_session(text)', ARRAY[format('%L', :'kss')], NULL),
    ('mfa.session_info(text)', ARRAY[format('%L', :'kss')], 'SELECT (i.aal, i.methods) FROM mfa.session_info(%s) AS i'),
    ('mfa.begin_request(text)', ARRAY[format('%L', :'kss')], NULL),
    ('mfa.user_id()', ARRAY[]::text[], NULL),
    ('mfa.aal()', ARRAY[]::text[], NULL),
    ('mfa.mfa_age()', ARRAY[]::text[], NULL),
    ('mfa.require_aal2()', ARRAY[]::text[], NULL),
    ('mfa.require_fresh_mfa(interval)', ARRAY[$$'5 minutes'$$], NULL),
    ('mfa.step_up(text, text)', ARRAY[format('%L', :'kss'), format('%L', :'next_code')], NULL),
    ('mfa.remember_device(text)', ARRAY[format('%L', :'kss')], 'SELECT left(mfa.remember_device(%s), 4)'),
    ('mfa.list_remembered_devices(bigint)', ARRAY[:'alice'], 'SELECT count(*) FROM mfa.list_remembered_devices(%s)'),
    ('mfa.forget_device(bigint)', ARRAY['(SELECT min(device_id) FROM mfa.remembered_devices)'], NULL),
    ('mfa.login_warnings(text)', ARRAY[format('%L', :'kss')], 'SELECT count(*) FROM mfa.login_warnings(%s)'),
    ('mfa.list_sessions(bigint)', ARRAY[:'alice'], 'SELECT count(*) FROM mfa.list_sessions(%s)'),
    ('mfa.revoke_session(bigint)', ARRAY['(SELECT min(session_id) FROM mfa.sessions)'], NULL),
    ('mfa.account_event(bigint)', ARRAY['(SELECT min(event_id) FROM mfa.events)'], 'SELECT count(*) FROM mfa.account_event(%s)'),
    ('mfa.create_realm(text, text, boolean)', ARRAY[$$'acme'$$, $$'ACME Co'$$, 'true'], NULL),
    ('mfa.purge_expired(interval)', ARRAY[$$'1 day'$$], NULL),
    ('mfa.purge_events(interval)', ARRAY[$$'3650 days'$$], NULL),
    ('mfa.reset_lockout(bigint)', ARRAY[:'alice'], NULL),
    ('mfa.reset_mfa(bigint)', ARRAY[:'alice'], NULL),
    ('mfa.disable_user(bigint)', ARRAY[:'alice'], NULL),
    ('mfa.enable_user(bigint)', ARRAY[:'alice'], NULL),
    ('mfa.delete_user(bigint)', ARRAY[:'alice'], NULL),
    ('mfa.security_report()', ARRAY[]::text[], 'SELECT count(*) > 0 FROM mfa.security_report(%s)'),
    ('mfa_internal._now()', ARRAY[]::text[], NULL),
    ('mfa_internal._totp_match(bytea, text, timestamptz, integer, integer, integer, text, bigint)',
     ARRAY[$$'\x3132333435363738393031323334353637383930'$$,
           $$mfa.totp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', to_timestamp(2000000000))$$,
           'to_timestamp(2000000000)', '1', '6', '30', $$'sha1'$$, '66666665'], NULL),
    ('mfa_internal._totp_match_sealed(bytea, text, bigint, bigint, text, timestamptz, integer, integer, integer, text, bigint)',
     ARRAY[$$'\x3132333435363738393031323334353637383930'$$, 'NULL', '1', '1',
           $$mfa.totp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', to_timestamp(2000000000))$$,
           'to_timestamp(2000000000)', '1', '6', '30', $$'sha1'$$, '66666665'], NULL),
    ('mfa_internal._seal_secret(bytea, text, bigint, bigint)',
     ARRAY[$$'\x3132333435363738393031323334353637383930'$$, 'NULL', '1', '1'], NULL),
    ('mfa_internal._secret_key_state()', ARRAY[]::text[], NULL),
    ('mfa.rotate_secrets(integer)', ARRAY['1000'], NULL),
    ('mfa_internal._new_token(text)', ARRAY[$$'kss_'$$], NULL),
    ('mfa_internal._token_digest(text)', ARRAY[$$'kss_x'$$], NULL),
    ('mfa_internal._end_sessions(bigint, text, timestamptz)', ARRAY[:'alice', format('%L', :'kss'), 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._revoke_for_change(bigint, bigint, text, timestamptz)',
     ARRAY[:'alice', '0', format('%L', :'kss'), 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._typed_code(text)', ARRAY[$$' 123-456 '$$], NULL),
    ('mfa_internal._recovery_code_new()', ARRAY[]::text[],
     $$SELECT mfa_internal._recovery_code_new(%s) ~ '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$'$$),
    ('mfa_internal._recovery_digest(bigint, text)', ARRAY['42', $$'000G40R40M30E209'$$], NULL),
    ('mfa_internal._password_check(text, text)', ARRAY[$$'alice pw'$$, format('%L', :'alice_hash')], NULL),
    ('mfa_internal._check_imported_hash(text)', ARRAY[format('%L', :'alice_hash')], NULL),
    ('mfa_internal._realms_replace_fresh_default()', ARRAY[]::text[], NULL),
    ('mfa_internal._durable()', ARRAY[]::text[], NULL),
    ('mfa_internal._raise(text, text, text, text)', ARRAY[$$'22023'$$, $$'on purpose'$$, $$'detail'$$, $$'hint'$$], NULL),
    ('mfa_internal._realms_check_policy()', ARRAY[]::text[], NULL),
    ('mfa_internal._realms_changed()', ARRAY[]::text[], NULL),
    ('mfa_internal._events_notify()', ARRAY[]::text[], NULL),
    ('mfa_internal._announced(text, text)', ARRAY[$$'totp_verify'$$, $$'enrolled'$$], NULL),
    ('mfa_internal._read_write()', ARRAY[]::text[], NULL),
    ('mfa_internal._durable_revocation()', ARRAY[]::text[], NULL),
    ('mfa_internal._login_ready()', ARRAY[]::text[], NULL),
    ('mfa_internal._throttle_admit("char", bigint, integer, integer, timestamptz)',
     ARRAY[$$'c'$$, $$nextval('pg_temp.subjects')$$, '5', '100', 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._throttle_failed("char", bigint, bigint, bigint, integer, integer, interval, interval, timestamptz, text, text, bigint, bigint, bigint, integer, interval, text)',
     ARRAY[$$'c'$$, $$nextval('pg_temp.subjects')$$, 'NULL', $$nextval('pg_temp.subjects')$$, '5', '5', $$'30 seconds'$$,
           $$'1 hour'$$, 'to_timestamp(2000000000)', $$'totp_verify'$$, $$'wrong_code'$$, '0', 'NULL',
           $$nextval('pg_temp.subjects')$$, '20', $$'10 minutes'$$, $$'203.0.113.7'$$], NULL),
    ('mfa_internal._client_admit(bigint, integer, interval, timestamptz)',
     ARRAY[$$nextval('pg_temp.subjects')$$, '20', $$'10 minutes'$$, 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._client_subject(bigint, text)', ARRAY['0', $$'203.0.113.7'$$], NULL),
    ('mfa_internal._known_client(bigint, text, interval, timestamptz)',
     ARRAY[:'alice', $$'203.0.113.7'$$, $$'30 days'$$, 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._remember_client(bigint, text, timestamptz)',
     ARRAY[:'alice', $$'203.0.113.8'$$, 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._throttle_count("char", bigint)', ARRAY[$$'c'$$, $$nextval('pg_temp.subjects')$$], NULL),
    ('mfa_internal._throttle_forgive("char", bigint, bigint)', ARRAY[$$'c'$$, $$nextval('pg_temp.subjects')$$, '1'], NULL),
    ('mfa_internal._throttle_preloaded()', ARRAY[]::text[], 'SELECT mfa_internal._throttle_preloaded(%s) IS NOT NULL'),
    ('mfa_internal._attempt_admit(bigint, "char", mfa.realms, timestamptz)',
     ARRAY[:'carol', $$'c'$$, '(SELECT r FROM mfa.realms AS r WHERE r.realm_id = 0)', 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._login_failed("char", bigint, bigint, mfa.realms, timestamptz, text, text, bigint, text, bigint, bigint)',
     ARRAY[$$'p'$$, :'carol', 'NULL', '(SELECT r FROM mfa.realms AS r WHERE r.realm_id = 0)', 'to_timestamp(2000000000)',
           $$'password_login'$$, $$'wrong_password'$$, 'NULL', $$'203.0.113.7'$$, 'NULL', 'NULL'], NULL),
    ('mfa_internal._attempt_succeeded(bigint, "char")', ARRAY[:'carol', $$'c'$$], NULL),
    ('mfa_internal._disable_totp(bigint, timestamptz)', ARRAY[:'carol', 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._realm_id(text)', ARRAY[$$'default'$$], NULL),
    ('mfa_internal._user_realm(bigint)', ARRAY[:'alice'], NULL),
    ('mfa_internal._start_session(bigint, interval, text, timestamptz, timestamptz)',
     ARRAY[:'alice', $$'1 hour'$$, $$'otp'$$, 'to_timestamp(2000000000)', 'NULL'], NULL),
    ('mfa_internal._second_factor(bigint, text, mfa.realms, timestamptz, bigint)',
     ARRAY[:'carol', $$'123456'$$, '(SELECT r FROM mfa.realms AS r WHERE r.realm_id = 0)', 'to_timestamp(2000000000)',
           'NULL'], NULL),
    ('mfa_internal._set_request(bigint, bigint, boolean, timestamptz)',
     ARRAY['1', :'alice', 'true', 'to_timestamp(2000000000)'], NULL),
    ('mfa_internal._request_session()', ARRAY[]::text[], NULL),
    ('mfa_internal._setting_number(text, integer)', ARRAY[$$'block_size'$$, 'NULL'], NULL),
    ('mfa_internal._shown(text)', ARRAY[$$'acme'$$], NULL),
    ('mfa_internal._is_display_name(text, integer, boolean)', ARRAY[$$'alice'$$, '256', 'false'], NULL),
    ('mfa_internal._complete_mfa(text, text)', ARRAY[format('%L', :'kli'), format('%L', :'next_code')], NULL),
    ('mfa.grant_client(regrole)', ARRAY[$$'regress_hostile_app'$$], NULL),
    ('mfa.grant_admin(regrole)', ARRAY[$$'regress_hostile_app'$$], NULL),
    ('mfa.revoke_rights(regrole)', ARRAY[$$'regress_hostile_ops'$$], NULL),
    ('mfa_internal._set_rights(regrole, text)', ARRAY[$$'regress_hostile_app'$$, $$'client'$$], NULL),
    ('mfa_internal._grant_rights(regrole, text)', ARRAY[$$'regress_hostile_app'$$, $$'admin'$$], NULL),
    ('mfa_internal._revoke_rights(oid)', ARRAY[$$'regress_hostile_ops'::regrole$$], NULL),
    ('mfa_internal._grant_recorded_rights()', ARRAY[]::text[], NULL),
    ('mfa_internal._rights_out_of_init_privs()', ARRAY[]::text[], NULL),
    ('mfa_internal._require_rights_granter()', ARRAY[]::text[], NULL);

-- Hostile values by argument type, as SQL expressions.
CREATE TABLE pg_temp.hostile (type regtype, ord int, label text, expr text, PRIMARY KEY (type, ord));
INSERT INTO pg_temp.hostile VALUES
    ('text', 1, 'NULL', 'NULL'),
    ('text', 2, 'empty', $$''$$),
    ('text', 3, 'one space', $$' '$$),
    ('text', 4, '1 MB', $$repeat('x', 1048576)$$),
    ('text', 5, '1 MB of 2-byte characters', $$repeat('ü', 524288)$$),
    ('text', 6, 'control characters', $$E'\x01\x02\x1b[2J\x7f\t\r\n\x08'$$),
    ('text', 7, 'SQL injection', $$'x''); DROP TABLE mfa.users; --'$$),
    ('text', 8, 'quotes and backslashes', $$E'\'"\\\\x00\\\\'$$),
    ('text', 9, 'printf directives', $$'%s%n%x%p%%%999999999d'$$),
    ('text', 10, 'odd Unicode', $$E'\u202Eevil\u200D\uFEFF\U0001F600\uFFFF\u0301'$$),
    ('text', 11, 'digits beyond int64', $$'99999999999999999999999999'$$),
    ('bytea', 1, 'NULL', 'NULL'),
    ('bytea', 2, 'empty', $$''$$),
    ('bytea', 3, '1 MB of zeros', $$decode(repeat('00', 1048576), 'hex')$$),
    ('bytea', 4, '1025 bytes', $$decode(repeat('ff', 1025), 'hex')$$),
    ('bytea', 5, 'invalid UTF-8 and NUL', $$'\xc328fffe00c0af'$$),
    ('bigint', 1, 'NULL', 'NULL'),
    ('bigint', 2, 'zero', '0'),
    ('bigint', 3, '-1', '-1'),
    ('bigint', 4, 'minimum', '-9223372036854775808'),
    ('bigint', 5, 'maximum', '9223372036854775807'),
    ('integer', 1, 'NULL', 'NULL'),
    ('integer', 2, 'zero', '0'),
    ('integer', 3, '-1', '-1'),
    ('integer', 4, 'minimum', '-2147483648'),
    ('integer', 5, 'maximum', '2147483647'),
    ('timestamptz', 1, 'NULL', 'NULL'),
    ('timestamptz', 2, 'infinity', $$'infinity'$$),
    ('timestamptz', 3, '-infinity', $$'-infinity'$$),
    ('timestamptz', 4, 'earliest', $$'4714-11-24 00:00:00+00 BC'$$),
    ('timestamptz', 5, 'latest', $$'294276-12-31 23:59:59.999999+00'$$),
    ('timestamptz', 6, 'before 1970', $$'1969-12-31 23:59:59.5+00'$$),
    ('interval', 1, 'NULL', 'NULL'),
    ('interval', 2, 'zero', $$'0'$$),
    ('interval', 3, '-1 microsecond', $$'-1 microsecond'$$),
    ('interval', 4, '178000000 years', $$'178000000 years'$$),
    ('interval', 5, '-178000000 years', $$'-178000000 years'$$),
    ('interval', 6, 'largest fields', $$'2147483647 days 2562047788 hours'$$),
    ('boolean', 1, 'NULL', 'NULL'),
    ('oid', 1, 'NULL', 'NULL'),
    ('oid', 2, 'PUBLIC (0)', '0'),
    ('oid', 3, 'no such role', '4294967295'),
    ('oid', 4, 'bootstrap superuser', '10'),
    ('regrole', 1, 'NULL', 'NULL'),
    ('regrole', 2, 'PUBLIC (0)', '0'),
    ('regrole', 3, 'no such role', '4294967295'),
    ('regrole', 4, 'a superuser', 'current_user'),
    ('"char"', 1, 'NULL', 'NULL'),
    ('"char"', 2, 'NUL byte', $$''$$),
    ('"char"', 3, 'unknown kind', $$'x'$$),
    ('"char"', 4, 'high byte', $$'ü'$$),
    ('mfa.realms', 1, 'NULL', 'NULL'),
    ('mfa.realms', 2, 'all fields NULL', $${}$$),
    ('mfa.realms', 3, 'every limit broken',
     $${"realm_id": -1, "name": "", "totp_window": 2147483647, "totp_digits": -1, "totp_period": 0,
        "code_lockout_threshold": -2147483648, "code_disable_threshold": 2147483647, "password_lockout_threshold": 0,
        "lockout_delay": "-178000000 years", "lockout_max_delay": "178000000 years", "mfa_token_max_failures": 0,
        "mfa_token_lifetime": "-1 year", "session_lifetime": "178000000 years"}$$);
-- (realm rows are built from JSON, so they can break every CHECK constraint)
UPDATE pg_temp.hostile SET expr = format('jsonb_populate_record(NULL::mfa.realms, %L)', expr)
WHERE type = 'mfa.realms'::regtype AND expr <> 'NULL';

-- Coverage: every function in schemas mfa and mfa_internal has a corpus entry with one argument per parameter, and every
-- parameter type has hostile values. Each query lists what is missing, so each must return no rows.
SELECT p.oid::regprocedure AS function_without_corpus_entry
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND NOT EXISTS (SELECT FROM pg_temp.corpus AS c WHERE c.fn = p.oid)
ORDER BY 1::text;
SELECT c.fn AS entry_with_wrong_argument_count FROM pg_temp.corpus AS c JOIN pg_proc AS p ON p.oid = c.fn
WHERE cardinality(c.args) <> p.pronargs;
SELECT DISTINCT t::regtype AS type_without_hostile_values
FROM pg_proc AS p, unnest(p.proargtypes::oid[]) AS t
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND NOT EXISTS (SELECT FROM pg_temp.hostile AS h WHERE h.type = t);
SELECT count(*) AS functions, sum(p.pronargs) AS parameters,
       (SELECT count(*) FROM pg_temp.hostile) AS hostile_values
FROM pg_proc AS p WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace);

-- run(q): the outcome of a statement, which is then undone (so no call meets another's leftovers): state
-- 'ok' with the number of rows and the rows as text, or the SQLSTATE and message of the error.
CREATE FUNCTION pg_temp.run(q text, OUT state text, OUT message text, OUT nrows bigint, OUT shown text)
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SELECT count(*), string_agg(coalesce(t.v::text, %L), %L) FROM (%s) AS t(v)', 'NULL', ' | ', q)
        INTO nrows, shown;
        RAISE EXCEPTION USING ERRCODE = 'U0001';
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = 'U0001' THEN
            state := 'ok';
        ELSE
            state := SQLSTATE;
            message := SQLERRM;
            nrows := NULL;
            shown := NULL;
        END IF;
    END;
END
$$;
-- The calls: for each function its valid call, then one call per parameter and hostile value of its type,
-- the other arguments valid. Every argument is cast to its parameter's type.
CREATE TABLE pg_temp.calls (fn regprocedure, argno int, ord int, label text, q text, state text, message text,
                            nrows bigint, shown text);
DO $calls$
DECLARE
    c record;
BEGIN
    FOR c IN
        WITH params AS (
            SELECT e.fn, e.args, coalesce(e.call, format('SELECT %s.%I(%%s)', p.pronamespace::regnamespace, p.proname)) AS call,
                   ARRAY(SELECT t FROM unnest(p.proargtypes) WITH ORDINALITY AS u(t, o) ORDER BY o) AS types
            FROM pg_temp.corpus AS e JOIN pg_proc AS p ON p.oid = e.fn),
        variants AS (
            SELECT fn, args, call, types, 0 AS argno, 0 AS ord, 'valid' AS label, NULL AS expr FROM params
            UNION ALL
            SELECT p.fn, p.args, p.call, p.types, i, h.ord, h.label, h.expr
            FROM params AS p, generate_subscripts(p.types, 1) AS i, pg_temp.hostile AS h
            WHERE h.type = p.types[i])
        SELECT v.fn, v.argno, v.ord, v.label,
               format(v.call, coalesce((SELECT string_agg(format('(%s)::%s', CASE WHEN j = v.argno THEN v.expr ELSE v.args[j] END,
                                                                 format_type(v.types[j], NULL)), ', ' ORDER BY j)
                                        FROM generate_subscripts(v.types, 1) AS j), '')) AS q
        FROM variants AS v
        ORDER BY v.fn::text, v.argno, v.ord
    LOOP
        INSERT INTO pg_temp.calls SELECT c.fn, c.argno, c.ord, c.label, c.q, r.* FROM pg_temp.run(c.q) AS r;
    END LOOP;
END
$calls$;

-- The valid calls: each function works (the random parts of results replaced by what they are).
SELECT regexp_replace(c.fn::text, '^mfa(_internal)?\.', '') AS function,
       CASE WHEN c.state <> 'ok' THEN format('ERROR %s: %s', c.state, c.message)
            ELSE regexp_replace(regexp_replace(c.shown,
                 '(kli|kss)_[A-Za-z0-9_-]{43}', '\1_<token>', 'g'),
                 '\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}', '<argon2id hash>', 'g') END AS result
FROM pg_temp.calls AS c
WHERE c.argno = 0
ORDER BY 1;

-- The hostile calls, by function and parameter: each outcome with the inputs that gave it. An outcome is the
-- SQLSTATE of a clean error, or the kind of result: NULL, true, false, a login result (failed, needs_mfa,
-- full_login), no rows, void, an empty string, or a value.
SELECT p.proname AS function,
       coalesce(p.proargnames[c.argno], '$' || c.argno) AS parameter,
       CASE WHEN c.state <> 'ok' THEN 'ERROR ' || c.state
            WHEN c.nrows = 0 THEN 'no rows'
            WHEN c.nrows > 1 THEN c.nrows || ' rows'
            WHEN c.shown IN ('NULL', 'true', 'false', 't', 'f') THEN c.shown
            WHEN c.shown = '' AND p.prorettype = 'void'::regtype THEN 'void'
            WHEN c.shown = '' THEN 'empty'
            WHEN c.shown ~ '^\((failed|needs_mfa|full_login),' THEN substring(c.shown FROM '^\(([a-z_]+),')
            ELSE 'a value' END AS outcome,
       string_agg(c.label, ', ' ORDER BY c.ord) AS inputs
FROM pg_temp.calls AS c JOIN pg_proc AS p ON p.oid = c.fn
WHERE c.argno > 0
GROUP BY c.fn::text, p.proname, c.argno, p.proargnames, 3
ORDER BY regexp_replace(c.fn::text, '^mfa(_internal)?\.', ''), c.argno, min(c.ord);

-- Errors whose message repeats the caller's input at length (the realm name or username, up to 1 MB, with
-- any control characters in it): clean errors, but as long as the input in the server log.
-- (mfa_internal._raise is how pg_mfa raises its own messages: it shows the text it is given, by design.)
SELECT regexp_replace(c.fn::text, '\(.*', '') AS function, c.argno, c.label, c.state, octet_length(c.message) AS message_bytes
FROM pg_temp.calls AS c
WHERE c.state <> 'ok' AND octet_length(c.message) > 200
  AND c.fn <> 'mfa_internal._raise(text, text, text, text)'::regprocedure
ORDER BY c.fn::text, c.argno, c.ord;
SELECT count(*) AS calls, count(*) FILTER (WHERE state = 'ok') AS results,
       count(*) FILTER (WHERE state <> 'ok') AS clean_errors,
       count(*) FILTER (WHERE state = 'XX000') AS internal_errors
FROM pg_temp.calls;

-- ---------------------------------------------------------------------------------------------------------
-- Inputs the server refuses before any function sees them: invalid UTF-8 (also through convert_from on
-- bytea), NUL characters, surrogates, casts that fail, wrong types, wrong argument counts.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'invalid UTF-8 via convert_from', $$SELECT mfa.base32_decode(convert_from('\xc328', 'UTF8'))$$),
    (2, 'overlong UTF-8 via convert_from', $$SELECT mfa.create_user(convert_from('\xc0af', 'UTF8'))$$),
    (3, 'invalid UTF-8 escape', $$SELECT mfa.authenticate_password(E'\xc3\x28', 'pw')$$),
    (4, 'NUL escape', $$SELECT mfa.complete_mfa(E'kli_\x00', '123456')$$),
    (5, 'NUL via chr(0)', $$SELECT mfa.validate_session(chr(0))$$),
    (6, 'lone surrogate', $$SELECT mfa.create_user(E'\uD800')$$),
    (7, 'bigint from text', $$SELECT mfa.totp_verify('abc'::bigint, '123456')$$),
    (8, 'bigint overflow', $$SELECT mfa.delete_credential('9223372036854775808'::bigint)$$),
    (9, 'integer overflow', $$SELECT mfa.generate_secret('2147483648'::integer)$$),
    (10, 'integer from a fraction', $$SELECT mfa.hotp_code('GEZDGNBV', 0, '6.5'::integer)$$),
    (11, 'timestamptz from text', $$SELECT mfa.totp_code('GEZDGNBV', 'yesterday-ish'::timestamptz)$$),
    (12, 'timestamptz out of range', $$SELECT mfa.totp_code('GEZDGNBV', '294277-01-01'::timestamptz)$$),
    (13, 'interval from text', $$SELECT mfa.purge_expired('1 fortnight'::interval)$$),
    (14, 'interval overflow', $$SELECT mfa.purge_expired('178956971 years'::interval)$$),
    (15, 'boolean from text', $$SELECT mfa.qr_text('x', 'maybe'::boolean)$$),
    (16, 'bytea from bad hex', $$SELECT mfa.base32_encode('\xZZ'::bytea)$$),
    (17, 'realm row from text', $$SELECT mfa_internal._attempt_admit(1, 'c', 'not a row'::mfa.realms, now())$$),
    (18, 'numeric for bigint', $$SELECT mfa.totp_verify(1.5, '123456')$$),
    (19, 'integer for text', $$SELECT mfa.base32_decode(42)$$),
    (20, 'array for text', $$SELECT mfa.complete_mfa(ARRAY['kli_x'], '123456')$$),
    (21, 'too many arguments', $$SELECT mfa.hotp_code('GEZDGNBV', 0, 6, 'sha1', 'extra')$$),
    (22, 'unknown named argument', $$SELECT mfa.create_user(username => 'x', is_admin => true)$$)
  ) AS v(n, label, q)
ORDER BY v.n;

-- ---------------------------------------------------------------------------------------------------------
-- Passwords over 1024 bytes are refused before any hashing. To show it, hashing is made to cost seconds:
-- new hashes at 64 MiB x 32 passes, and Carol's stored hash rewritten to those parameters. Under a 500 ms
-- statement_timeout a real verification is cancelled, while every call with a 1 MB (or 1025-byte) password
-- answers at once. (A cancellation is not caught by run(): it would end the statement with 57014.)
UPDATE mfa.credentials SET password_hash = regexp_replace(password_hash, 'm=\d+,t=\d+', 'm=65536,t=32')
WHERE user_id = :carol AND type = 'password'
RETURNING regexp_replace(password_hash, '\$[^$]*\$[^$]*$', '') AS carol_hash_parameters;
SELECT password_hash AS carol_hash FROM mfa.credentials WHERE user_id = :carol AND type = 'password' \gset
SET pg_mfa.argon2_memory = '64MB';
SET pg_mfa.argon2_iterations = 32;
SET pg_mfa.verify_max_iterations = 32;  -- verify_password's ceiling (5) would refuse this hash before any work
SET statement_timeout = '500ms';
\set VERBOSITY sqlstate
SELECT mfa.verify_password('carol pw', :'carol_hash');
\set VERBOSITY terse
SELECT v.label, r.state, coalesce(r.shown, r.message) AS result
FROM (VALUES
    (1, 'hash_password', $$SELECT mfa.hash_password(repeat('x', 1048576))$$),
    (2, 'hash_password, 1025 bytes', $$SELECT mfa.hash_password(repeat('x', 1025))$$),
    (3, 'create_user', $$SELECT mfa.create_user('dave@example.com', repeat('x', 1048576))$$),
    (4, 'set_password', format('SELECT mfa.set_password(%s, repeat(%L, 524288))', :carol, 'ü')),
    (5, 'verify_password', format('SELECT mfa.verify_password(repeat(%L, 1048576), %L)', 'x', :'carol_hash')),
    (6, 'verify_password, 1025 bytes', format('SELECT mfa.verify_password(repeat(%L, 1025), %L)', 'x', :'carol_hash')),
    (7, '_password_check', format('SELECT mfa_internal._password_check(repeat(%L, 1048576), %L)', 'x', :'carol_hash')),
    (8, '_password_check, no hash', $$SELECT mfa_internal._password_check(repeat('x', 1048576), NULL)$$),
    (9, 'authenticate_password', $$SELECT mfa.authenticate_password('carol@example.com', repeat('x', 1048576))$$),
    (10, 'authenticate_password, unknown user', $$SELECT mfa.authenticate_password('nobody@example.com', repeat('x', 1048576))$$)
  ) AS v(n, label, q), pg_temp.run(v.q) AS r
ORDER BY v.n;
RESET statement_timeout;
RESET pg_mfa.verify_max_iterations;
SET pg_mfa.argon2_memory = '64kB';
SET pg_mfa.argon2_iterations = 1;

-- ---------------------------------------------------------------------------------------------------------
-- After the whole corpus: the same server and the same session (no backend crashed), the tables intact (no
-- injected statement ran), the fixture unchanged (every call was undone).
SELECT pg_postmaster_start_time() = :'start_time'::timestamptz AS same_server,
       pg_backend_pid() = :backend_pid AS same_session;
SELECT 1 AS still_up;
SELECT (SELECT count(*) FROM mfa.users) AS users, (SELECT count(*) FROM mfa.realms) AS realms,
       (SELECT count(*) FROM mfa.credentials) AS credentials, (SELECT count(*) FROM mfa.sessions) AS sessions,
       (SELECT count(*) FROM mfa.mfa_tokens WHERE consumed_at IS NULL) AS pending_kli_tokens;
SELECT result, user_id = :alice AS alice FROM mfa.complete_mfa(:'kli', :'next_code');

DROP EXTENSION pg_mfa;
DROP ROLE regress_hostile_app;
DROP ROLE regress_hostile_ops;
