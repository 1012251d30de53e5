-- hostile_search_path: a search_path trojan test. An attacker without privileges on pg_mfa plants objects
-- where a caller's search_path looks: a public."=" operator (and others), functions named like built-ins
-- (lower, length, clock_timestamp, now, sha256, format, ...) and like pg_mfa's own (totp_code,
-- generate_secret, _now, ...), and tables and views named like pg_mfa's (users, credentials, realms, ...),
-- in schema public, in pg_temp and in a schema of its own. Every planted function, operator, trigger and view
-- records its use: a NOTICE "TRAP: ..." and a row in attacker.trap_log. Then the whole login flow runs as the
-- application (and as a superuser) under hostile search_paths, and after a reinstall under one: the results
-- are those of a clean run, and no trap ever fires. The traps are shown to work when the caller's own SQL
-- names them.
CREATE EXTENSION pg_mfa;
\set SHOW_CONTEXT never

\i sql/include/sqlstate_of.sql

-- The fixed clock makes codes and expiries deterministic; cheap hashes keep the file fast (it counts
-- traps, not hashing cost). Both are superuser-only session settings, kept across SET ROLE.
SET pg_mfa.clock_override = 2000000000;
SET pg_mfa.argon2_memory = '64kB';
SET pg_mfa.argon2_iterations = 1;

CREATE ROLE regress_hsp_app;
SELECT mfa.grant_client('regress_hsp_app');
CREATE ROLE regress_hsp_attacker;
-- PostgreSQL 15 no longer lets every role create objects in schema public, but a database upgraded from an
-- earlier release keeps that old default; the attacker gets it here. Its own schema it owns.
SELECT has_schema_privilege('regress_hsp_attacker', 'public', 'CREATE') AS attacker_creates_in_public_by_default;
GRANT CREATE ON SCHEMA public TO regress_hsp_attacker;
CREATE SCHEMA attacker AUTHORIZATION regress_hsp_attacker;

-- ---------------------------------------------------------------------------------------------------------
-- The flow, as a client would run it: enrollment, both login steps, the session, the primitives. Each step
-- gives one line with the random parts (ids, secrets, tokens) replaced by what they are. The driver is
-- itself immune to the traps (everything schema-qualified, OPERATOR(pg_catalog.x)), so a trap that fires can
-- only have been set off by pg_mfa. (Checked the other way round too: with SET search_path removed from
-- some pg_mfa functions, the paths that name pg_catalog late set off traps and change steps.)
CREATE FUNCTION pg_temp.login_row(r_result pg_catalog.text, r_user pg_catalog.int8, r_token pg_catalog.text,
                                  r_expires pg_catalog.timestamptz, me pg_catalog.int8)
RETURNS pg_catalog.text LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' ', r_result,
        CASE WHEN r_user IS NULL THEN 'user=null' WHEN r_user OPERATOR(pg_catalog.=) me THEN 'user=self'
             ELSE 'user=OTHER' END,
        CASE WHEN r_token IS NULL THEN 'token=null'
             WHEN r_token OPERATOR(pg_catalog.~) '^kli_[A-Za-z0-9_-]{43}$' THEN 'token=kli_'
             WHEN r_token OPERATOR(pg_catalog.~) '^kss_[A-Za-z0-9_-]{43}$' THEN 'token=kss_'
             ELSE 'token=MALFORMED' END,
        CASE WHEN r_expires IS NULL THEN 'expires=null'
             ELSE pg_catalog.concat('expires=T+',
                      (r_expires OPERATOR(pg_catalog.-) pg_catalog.to_timestamp(2000000000))::pg_catalog.text) END)
$$;

CREATE FUNCTION pg_temp.flow(username pg_catalog.text)
RETURNS TABLE (n pg_catalog.int4, step pg_catalog.text, outcome pg_catalog.text)
LANGUAGE plpgsql AS $flow$
DECLARE
    me pg_catalog.int8;
    dev pg_catalog.int8;
    sec pg_catalog.text;
    wrong pg_catalog.text;
    kli pg_catalog.text;
    kss pg_catalog.text;
    kdt pg_catalog.text;
    hash pg_catalog.text;
    rfc pg_catalog.text := 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';  -- the RFC 4226/6238 key "12345678901234567890"
    r record;
BEGIN
    -- Each step catches its own error (shown as "ERROR sqlstate"), so one broken step cannot hide the rest.
    n := 1; step := 'create_user';
    BEGIN
        me := mfa.create_user(username, 'bob pass');
        outcome := CASE WHEN me IS NULL THEN 'NULL' ELSE 'a user id' END;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    n := 2; step := 'create_user, same name in upper case';
    BEGIN
        PERFORM mfa.create_user(pg_catalog.upper(username), 'bob pass');
        outcome := 'ACCEPTED';
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    n := 3; step := 'create_user, name with a tab';
    BEGIN
        PERFORM mfa.create_user(pg_catalog.concat('x', pg_catalog.chr(9), username));
        outcome := 'ACCEPTED';
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    n := 4; step := 'totp_create_credential';
    BEGIN
        SELECT * INTO r FROM mfa.totp_create_credential(me, 'Phone');
        dev := r.credential_id;
        sec := r.otp_secret;
        outcome := pg_catalog.concat_ws(' ', r.state,
            CASE WHEN sec OPERATOR(pg_catalog.~) '^[A-Z2-7]{32}$' THEN 'secret=<32 base32>' ELSE 'secret=MALFORMED' END,
            pg_catalog.replace(pg_catalog.replace(r.provisioning_uri, sec, '<secret>'),
                               pg_catalog.replace(username, '@', '%40'), '<user>'),
            CASE WHEN pg_catalog.strpos(r.provisioning_svg, '<svg') OPERATOR(pg_catalog.>) 0 THEN 'svg' ELSE 'NO SVG' END);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    -- A code that is none of the secret's codes within 10 steps of the clock: wrong for certain.
    BEGIN
        SELECT c INTO wrong
        FROM pg_catalog.unnest('{000000,111111,222222,333333}'::pg_catalog.text[]) AS c
        WHERE NOT c OPERATOR(pg_catalog.=) ANY (SELECT mfa.totp_code(sec, pg_catalog.to_timestamp(s))
                                                FROM pg_catalog.generate_series(1999999700, 2000000300, 30) AS s)
        LIMIT 1;
    EXCEPTION WHEN OTHERS THEN wrong := '000000';
    END;

    n := 5; step := 'totp_verify, wrong code';
    BEGIN
        outcome := mfa.totp_verify(dev, wrong)::pg_catalog.text;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 6; step := 'totp_verify, code of T-30';
    BEGIN
        outcome := mfa.totp_verify(dev, mfa.totp_code(sec, pg_catalog.to_timestamp(1999999970)))::pg_catalog.text;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 7; step := 'totp_verify, same code again';
    BEGIN
        outcome := mfa.totp_verify(dev, mfa.totp_code(sec, pg_catalog.to_timestamp(1999999970)))::pg_catalog.text;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    n := 8; step := 'authenticate_password, wrong password';
    BEGIN
        SELECT * INTO r FROM mfa.authenticate_password(username, 'not bob pw', client => '203.0.113.7');
        outcome := pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 9; step := 'authenticate_password, name in upper case';
    BEGIN
        SELECT * INTO r FROM mfa.authenticate_password(pg_catalog.upper(username), 'bob pass', client => '203.0.113.7');
        kli := r.token;
        outcome := pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    n := 10; step := 'complete_mfa, wrong code';
    BEGIN
        SELECT * INTO r FROM mfa.complete_mfa(kli, wrong);
        outcome := pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 11; step := 'complete_mfa, code of T';
    BEGIN
        SELECT * INTO r FROM mfa.complete_mfa(kli, mfa.totp_code(sec, pg_catalog.to_timestamp(2000000000)));
        kss := r.token;
        outcome := pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 12; step := 'complete_mfa, used kli_ token';
    BEGIN
        SELECT * INTO r FROM mfa.complete_mfa(kli, mfa.totp_code(sec, pg_catalog.to_timestamp(2000000030)));
        outcome := pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    n := 13; step := 'validate_session';
    BEGIN
        outcome := NULL;
        FOR r IN SELECT * FROM mfa.validate_session(kss) LOOP
            outcome := pg_catalog.concat_ws('; ', outcome, pg_temp.login_row('row', r.user_id, NULL, r.expires_at, me),
                                            pg_catalog.concat('realm=', r.realm));
        END LOOP;
        outcome := COALESCE(outcome, 'no rows');
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    -- The request context and step-up, while the session is live (numbered after the primitives).
    n := 26; step := 'session_info, begin_request and the context''s readers';
    BEGIN
        outcome := pg_catalog.concat_ws(' ', (SELECT pg_catalog.concat(i.aal, ' ', i.methods::pg_catalog.text)
                                              FROM mfa.session_info(kss) AS i),
                                        mfa.begin_request(kss)::pg_catalog.text, mfa.aal(),
                                        (mfa.user_id() OPERATOR(pg_catalog.=) me)::pg_catalog.text,
                                        mfa.mfa_age()::pg_catalog.text, mfa.require_aal2()::pg_catalog.text,
                                        mfa.require_fresh_mfa('5 minutes')::pg_catalog.text);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 27; step := 'step_up, wrong code';
    BEGIN
        outcome := mfa.step_up(kss, wrong)::pg_catalog.text;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 28; step := 'step_up, code of T+30';
    BEGIN
        outcome := pg_catalog.concat_ws(' ', mfa.step_up(kss, mfa.totp_code(sec, pg_catalog.to_timestamp(2000000030)))::pg_catalog.text,
                                        mfa.aal());
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 29; step := 'remember_device, then the password with its token';
    BEGIN
        kdt := mfa.remember_device(kss);
        SELECT * INTO r FROM mfa.authenticate_password(username, 'bob pass', device_token => kdt);
        outcome := pg_catalog.concat_ws(' ', pg_catalog.left(kdt, 4), pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me));
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    -- The attacker's tables hold a session, a kli_ token and a user with a password of its own.
    n := 14; step := 'validate_session, the attacker''s planted session';
    BEGIN
        outcome := NULL;
        FOR r IN SELECT * FROM mfa.validate_session('kss_attacker') LOOP
            outcome := 'A ROW';
        END LOOP;
        outcome := COALESCE(outcome, 'no rows');
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 15; step := 'complete_mfa, the attacker''s planted kli_ token';
    BEGIN
        SELECT * INTO r FROM mfa.complete_mfa('kli_attacker', '000000');
        outcome := pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 16; step := 'authenticate_password, the attacker''s planted user';
    BEGIN
        SELECT * INTO r FROM mfa.authenticate_password('mallory', 'mallory pw');
        outcome := pg_temp.login_row(r.result, r.user_id, r.token, r.expires_at, me);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    n := 17; step := 'logout';
    BEGIN
        outcome := mfa.logout(kss)::pg_catalog.text;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 18; step := 'logout again';
    BEGIN
        outcome := mfa.logout(kss)::pg_catalog.text;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 19; step := 'validate_session after logout';
    BEGIN
        outcome := NULL;
        FOR r IN SELECT * FROM mfa.validate_session(kss) LOOP
            outcome := 'A ROW';
        END LOOP;
        outcome := COALESCE(outcome, 'no rows');
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;

    -- The primitives, with known answers (RFC 4648 §10, RFC 4226 App. D, RFC 6238 App. B).
    n := 20; step := 'base32_encode, base32_decode';
    BEGIN
        outcome := pg_catalog.concat_ws(' ', mfa.base32_encode('\x3132333435363738393031323334353637383930'::pg_catalog.bytea),
                                        mfa.base32_decode(rfc)::pg_catalog.text);
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 21; step := 'hotp_code, totp_code';
    BEGIN
        outcome := pg_catalog.concat_ws(' ', mfa.hotp_code(rfc, 0), mfa.hotp_code(rfc, 1),
                                        mfa.totp_code(rfc, pg_catalog.to_timestamp(59), 8),
                                        mfa.totp_code(rfc, pg_catalog.to_timestamp(1111111109), 8));
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 22; step := 'otpauth_uri';
    BEGIN
        outcome := mfa.otpauth_uri(rfc, 'alice@example.com', 'ACME Co');
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 23; step := 'generate_secret';
    BEGIN
        sec := mfa.generate_secret();
        outcome := CASE WHEN sec OPERATOR(pg_catalog.~) '^[A-Z2-7]{32}$' THEN '<32 base32>' ELSE 'MALFORMED' END;
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 24; step := 'hash_password, verify_password, password_needs_rehash';
    BEGIN
        hash := mfa.hash_password('bob pw');
        outcome := pg_catalog.concat_ws(' ',
            CASE WHEN hash OPERATOR(pg_catalog.~) '^\$argon2id\$v=19\$m=64,t=1,p=1\$' THEN '<argon2id hash>' ELSE 'MALFORMED' END,
            mfa.verify_password('bob pw', hash), mfa.verify_password('not bob pw', hash), mfa.password_needs_rehash(hash));
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
    n := 25; step := 'qr_svg, qr_text (md5)';
    BEGIN
        outcome := pg_catalog.concat_ws(' ', pg_catalog.md5(mfa.qr_svg('otpauth://totp/x?secret=GEZDGNBV')),
                                        pg_catalog.md5(mfa.qr_text('otpauth://totp/x?secret=GEZDGNBV')));
    EXCEPTION WHEN OTHERS THEN outcome := pg_catalog.concat('ERROR ', SQLSTATE);
    END;
    RETURN NEXT;
END
$flow$;

-- The application's runs, and which search_path each had.
CREATE TABLE pg_temp.runs (k int, n int, step text, outcome text);
GRANT INSERT ON pg_temp.runs TO regress_hsp_app;
CREATE TABLE pg_temp.scenarios (k int PRIMARY KEY, label text);
INSERT INTO pg_temp.scenarios VALUES
    (1, 'app, clean (nothing planted yet)'),
    (2, 'app: attacker, public'),
    (3, 'app: attacker, public, pg_catalog, pg_temp'),
    (4, 'app: public, pg_catalog, pg_temp'),
    (5, 'app: pg_temp, public'),
    (6, 'app: pg_temp, attacker, public, pg_catalog'),
    (7, 'app: default ("$user", public)'),
    (8, 'superuser: attacker, public, pg_catalog, pg_temp'),
    (9, 'app, after a reinstall under the hostile path: attacker, public, pg_catalog, pg_temp');

-- The clean run, before anything is planted.
SET ROLE regress_hsp_app;
INSERT INTO pg_temp.runs SELECT 1, f.* FROM pg_temp.flow('bob.1@example.com') AS f;
RESET ROLE;
SELECT n, step, outcome FROM pg_temp.runs WHERE k = 1 ORDER BY n;

-- ---------------------------------------------------------------------------------------------------------
-- The attacker plants. Everything is open to everybody, to be as tempting as possible.
SELECT mfa.hash_password('mallory pw') AS mallory_hash \gset
SET ROLE regress_hsp_attacker;
SET search_path = pg_catalog;

-- The record of every trap that fires, with the scenario it fired in (the regress.scenario setting).
CREATE TABLE attacker.trap_log (scenario text, what text NOT NULL);
CREATE FUNCTION attacker.trap(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE NOTICE 'TRAP: %', what;
    INSERT INTO attacker.trap_log (scenario, what) VALUES (current_setting('regress.scenario', true), what);
    RETURN true;
END
$$;
GRANT USAGE ON SCHEMA attacker TO PUBLIC;
GRANT SELECT, INSERT ON attacker.trap_log TO PUBLIC;

-- Functions, in public, in attacker and in pg_temp: built-ins pg_mfa calls or could call, overloads that would
-- match better than a built-in (format(text, text) over format(text, VARIADIC "any"), to_timestamp(integer)
-- over to_timestamp(double precision)), "coalesce" (a keyword, so never callable as a function), and
-- pg_mfa's own names. Each records its call and returns what would break pg_mfa.
DO $plant$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT s.schema, v.sig, v.returns, v.result
        FROM unnest(ARRAY['public', 'attacker', 'pg_temp']) AS s(schema),
             (VALUES ('lower(text)', 'text', $$'mallory'$$),
                     ('upper(text)', 'text', $$'MALLORY'$$),
                     ('length(text)', 'integer', '1'),
                     ('length(bytea)', 'integer', '32'),
                     ('octet_length(text)', 'integer', '1'),
                     ('clock_timestamp()', 'timestamptz', $$'2100-01-01 00:00:00+00'$$),
                     ('now()', 'timestamptz', $$'2100-01-01 00:00:00+00'$$),
                     ('statement_timestamp()', 'timestamptz', $$'2100-01-01 00:00:00+00'$$),
                     ('to_timestamp(integer)', 'timestamptz', $$'2100-01-01 00:00:00+00'$$),
                     ('sha256(bytea)', 'bytea', $$'\x0000000000000000000000000000000000000000000000000000000000000000'$$),
                     ('"coalesce"(text, text)', 'text', $$'mallory'$$),
                     ('"coalesce"(timestamptz, timestamptz)', 'timestamptz', $$'2100-01-01 00:00:00+00'$$),
                     ('format(text, text)', 'text', $$'mallory'$$),
                     ('current_setting(text)', 'text', $$'mallory'$$),
                     ('generate_secret(integer)', 'text', $$'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'$$),
                     ('base32_encode(bytea)', 'text', $$'AAAAAAAA'$$),
                     ('base32_decode(text)', 'bytea', $$'\x00'$$),
                     ('totp_code(text)', 'text', $$'000000'$$),
                     ('totp_code(text, timestamptz, integer, integer, text)', 'text', $$'000000'$$),
                     ('hotp_code(text, bigint, integer, text)', 'text', $$'000000'$$),
                     ('otpauth_uri(text, text, text, integer, integer, text)', 'text', $$'otpauth://totp/evil'$$),
                     ('qr_svg(text)', 'text', $$'<svg/>'$$),
                     ('hash_password(text)', 'text', $$'mallory'$$),
                     ('verify_password(text, text)', 'boolean', 'true'),
                     ('password_needs_rehash(text)', 'boolean', 'false'),
                     ('_now()', 'timestamptz', $$'2100-01-01 00:00:00+00'$$),
                     ('_token_digest(text)', 'bytea', $$'\x00'$$),
                     ('_new_token(text)', 'text', $$'kss_attacker'$$),
                     ('_password_check(text, text)', 'boolean', 'true'),
                     ('_check_imported_hash(text)', 'text', $$'argon2id'$$),
                     ('_totp_match(bytea, text, timestamptz, integer, integer, integer, text, bigint)', 'bigint', '0'),
                     ('_totp_match_sealed(bytea, text, bigint, bigint, text, timestamptz, integer, integer, integer, text, bigint)',
                      'bigint', '0'),
                     ('_secret_key_state()', 'record', 'NULL'),
                     ('_realm_id(text)', 'bigint', '0'),
                     ('_user_realm(bigint)', 'bigint', '0'),
                     ('create_user(text, text, text, text)', 'bigint', '1'),
                     ('totp_verify(bigint, text, text)', 'boolean', 'true'),
                     ('authenticate_password(text, text, text, text, text)', 'text', $$'full_login'$$),
                     ('remember_device(text)', 'text', $$'kdt_attacker'$$),
                     ('_known_client(bigint, text, interval, timestamptz)', 'bigint', '1'),
                     ('_client_admit(bigint, integer, interval, timestamptz)', 'boolean', 'true'),
                     ('_client_subject(bigint, text)', 'bigint', '0'),
                     ('complete_mfa(text, text)', 'text', $$'full_login'$$),
                     ('logout(text)', 'boolean', 'true')) AS v(sig, returns, result)
    LOOP
        EXECUTE format('CREATE FUNCTION %s.%s RETURNS %s LANGUAGE plpgsql AS %L', f.schema, f.sig, f.returns,
                       format('BEGIN PERFORM attacker.trap(%L); RETURN %s; END', f.schema || '.' || f.sig, f.result));
    END LOOP;
END
$plant$;

-- Operators, in the same three schemas: "=" that always holds (text, bytea, bigint, name = text, "char"),
-- "<>" and "~" that never hold, comparisons of times and numbers that always hold.
DO $plant$
DECLARE
    o record;
    k int := 0;
BEGIN
    FOR o IN
        SELECT s.schema, v.op, v.l, v.r, v.result
        FROM unnest(ARRAY['public', 'attacker', 'pg_temp']) AS s(schema),
             (VALUES ('=', 'text', 'text', 'true'), ('=', 'bytea', 'bytea', 'true'), ('=', 'bigint', 'bigint', 'true'),
                     ('=', 'name', 'text', 'true'), ('=', '"char"', '"char"', 'true'), ('<>', 'text', 'text', 'false'),
                     ('~', 'text', 'text', 'false'), ('!~', 'text', 'text', 'true'),
                     ('>', 'timestamptz', 'timestamptz', 'true'), ('<', 'timestamptz', 'timestamptz', 'true'),
                     ('>=', 'integer', 'integer', 'true'), ('<=', 'integer', 'integer', 'true')) AS v(op, l, r, result)
    LOOP
        k := k + 1;
        EXECUTE format('CREATE FUNCTION attacker.op_%s(%s, %s) RETURNS boolean LANGUAGE plpgsql AS %L', k, o.l, o.r,
                       format('BEGIN PERFORM attacker.trap(%L); RETURN %s; END',
                              format('%s.%s(%s, %s)', o.schema, o.op, o.l, o.r), o.result));
        EXECUTE format('CREATE OPERATOR %s.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = attacker.op_%s)',
                       o.schema, o.op, o.l, o.r, k);
    END LOOP;
END
$plant$;

-- Tables named like pg_mfa's, in public and in pg_temp, shaped like them (the catalogs tell anybody the
-- columns). A statement trigger records every write. They hold the attacker's own data: a user "mallory"
-- with password "mallory pw", a live session kss_attacker and kli_ token kli_attacker, a default realm with
-- the widest window and another issuer.
CREATE FUNCTION attacker.trap_write() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM attacker.trap(format('%s %s.%s', TG_OP,
        CASE WHEN TG_TABLE_SCHEMA LIKE 'pg\_temp\_%' THEN 'pg_temp' ELSE TG_TABLE_SCHEMA END, TG_TABLE_NAME));
    RETURN NULL;
END
$$;
DO $plant$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT s.schema, c.relname,
               (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
                FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
        FROM pg_class AS c, unnest(ARRAY['public', 'pg_temp']) AS s(schema)
        WHERE c.relnamespace = 'mfa'::regnamespace AND c.relkind = 'r'
        ORDER BY 1, 2
    LOOP
        EXECUTE format('CREATE TABLE %s.%I (%s)', t.schema, t.relname, t.columns);
        EXECUTE format('GRANT ALL ON %s.%I TO PUBLIC', t.schema, t.relname);
    END LOOP;
END
$plant$;
-- (the rows go in before the triggers, which would record them)
INSERT INTO public.realms (realm_id, name, issuer, totp_window, mfa_token_lifetime, session_lifetime)
VALUES (0, 'default', 'Evil Corp', 10, '1 year', '1 year');
INSERT INTO public.users (user_id, realm_id, username) VALUES (1, 0, 'mallory');
-- A journal row that would forgive mallory's codes, were it ever read.
INSERT INTO public.throttle_journal (entry_id, kind, subject, failures) VALUES (9223372036854775807, 'c', 1, 0);
INSERT INTO public.credentials (credential_id, user_id, type, password_hash) VALUES (1, 1, 'password', :'mallory_hash');
INSERT INTO public.mfa_tokens (mfa_token_id, token_digest, user_id, created_at, expires_at, failures)
VALUES (1, sha256('kli_attacker'), 1, '2000-01-01', '2100-01-01', 0);
INSERT INTO public.sessions (session_id, token_digest, user_id, mfa_verified, created_at, expires_at)
VALUES (1, sha256('kss_attacker'), 1, true, '2000-01-01', '2100-01-01');
INSERT INTO public.events (event_id, type, result) VALUES (1, 'password_login', 'success');
DO $plant$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT relname FROM pg_class WHERE relnamespace = 'mfa'::regnamespace AND relkind = 'r' ORDER BY 1 LOOP
        EXECUTE format('INSERT INTO pg_temp.%I SELECT * FROM public.%I', t.relname, t.relname);
        EXECUTE format('CREATE TRIGGER trap BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION attacker.trap_write()', t.relname);
        EXECUTE format('CREATE TRIGGER trap BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pg_temp.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION attacker.trap_write()', t.relname);
        -- In schema attacker, views of the same names: reading one runs a function that records the read
        -- (before any condition of the query could skip it), writing one fires an INSTEAD OF trigger.
        EXECUTE format('CREATE FUNCTION attacker.%I() RETURNS SETOF public.%I LANGUAGE plpgsql AS %L',
                       'read_' || t.relname, t.relname,
                       format('BEGIN PERFORM attacker.trap(%L); RETURN QUERY SELECT * FROM public.%I; END',
                              'read attacker.' || t.relname, t.relname));
        EXECUTE format('CREATE VIEW attacker.%I AS SELECT * FROM attacker.%I()', t.relname, 'read_' || t.relname);
        EXECUTE format('CREATE TRIGGER trap INSTEAD OF INSERT OR UPDATE OR DELETE ON attacker.%I '
                       'FOR EACH ROW EXECUTE FUNCTION attacker.trap_write()', t.relname);
        EXECUTE format('GRANT ALL ON attacker.%I TO PUBLIC', t.relname);
    END LOOP;
END
$plant$;
-- Schema mfa is closed to it (and to the application): nothing can be planted next to pg_mfa's objects.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'function', 'CREATE FUNCTION mfa.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 $$'),
             (2, 'operator', 'CREATE OPERATOR mfa.= (LEFTARG = text, RIGHTARG = text, FUNCTION = attacker.op_1)'),
             (3, 'table', 'CREATE TABLE mfa.sessions_copy (token_digest bytea)'),
             (4, 'trigger', 'CREATE TRIGGER trap BEFORE INSERT ON mfa.sessions EXECUTE FUNCTION attacker.trap_write()')) AS v(n, label, q)
ORDER BY v.n;
RESET search_path;
SET ROLE regress_hsp_app;
SELECT pg_temp.sqlstate_of('CREATE FUNCTION mfa.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 $$') AS app_function;
RESET ROLE;

-- What was planted, by schema (schema attacker also holds the operators' functions, the views' functions,
-- the trap itself and its log).
SELECT CASE WHEN n.nspname LIKE 'pg\_temp\_%' THEN 'pg_temp' ELSE n.nspname END AS schema,
       count(*) FILTER (WHERE o.kind = 'function') AS functions, count(*) FILTER (WHERE o.kind = 'operator') AS operators,
       count(*) FILTER (WHERE o.kind = 'table') AS tables, count(*) FILTER (WHERE o.kind = 'view') AS views,
       count(*) FILTER (WHERE o.kind = 'trigger') AS triggers
FROM (SELECT pronamespace, 'function' FROM pg_proc WHERE proowner = 'regress_hsp_attacker'::regrole
      UNION ALL SELECT oprnamespace, 'operator' FROM pg_operator WHERE oprowner = 'regress_hsp_attacker'::regrole
      UNION ALL SELECT relnamespace, CASE relkind WHEN 'r' THEN 'table' ELSE 'view' END FROM pg_class
                WHERE relowner = 'regress_hsp_attacker'::regrole AND relkind IN ('r', 'v')
      UNION ALL SELECT c.relnamespace, 'trigger' FROM pg_trigger AS g JOIN pg_class AS c ON c.oid = g.tgrelid
                WHERE c.relowner = 'regress_hsp_attacker'::regrole) AS o(nsp, kind)
JOIN pg_namespace AS n ON n.oid = o.nsp
GROUP BY 1 ORDER BY 1;

-- The traps work: where the caller's own SQL reaches them, they fire (and change the answers). Without
-- pg_catalog in the path it is searched first, and pg_temp is searched first for tables without it; a path
-- that names them later lets the planted objects win.
SET regress.scenario = 'probe';
SET ROLE regress_hsp_app;
SET search_path = attacker, public, pg_catalog, pg_temp;
SELECT 'a' = 'b' AS text_eq, lower('BOB') AS lower, clock_timestamp() AS clock, to_timestamp(0) AS to_timestamp;
SELECT username FROM users;
UPDATE sessions SET revoked_at = NULL;
SET search_path = public, pg_catalog, pg_temp;
SELECT '\x01'::bytea = '\x02'::bytea AS bytea_eq, 'x' ~ 'x' AS regex, format('%s', 'x') AS format;
SELECT count(*) AS sessions FROM sessions WHERE token_digest = sha256('kss_attacker');
DELETE FROM events WHERE false;
-- pg_temp: its tables come first where the path puts pg_temp first, and where it does not name it (so by
-- default); its functions and operators are never found without naming the schema, wherever the path puts it.
SET search_path = attacker, public;
SELECT issuer, totp_window FROM realms;
SET search_path = pg_temp, public;
SELECT lower('BOB') AS lower, 'a' = 'b' AS text_eq, pg_temp.lower('BOB') AS pg_temp_lower;
RESET search_path;
SELECT name, issuer FROM realms;
RESET ROLE;
SELECT what FROM attacker.trap_log ORDER BY what COLLATE "C";
DELETE FROM attacker.trap_log;

-- ---------------------------------------------------------------------------------------------------------
-- The flow under hostile search_paths, as the application.
SET ROLE regress_hsp_app;
SET regress.scenario = 2;
SET search_path = attacker, public;
INSERT INTO pg_temp.runs SELECT 2, f.* FROM pg_temp.flow('bob.2@example.com') AS f;
SET regress.scenario = 3;
SET search_path = attacker, public, pg_catalog, pg_temp;
INSERT INTO pg_temp.runs SELECT 3, f.* FROM pg_temp.flow('bob.3@example.com') AS f;
SET regress.scenario = 4;
SET search_path = public, pg_catalog, pg_temp;
INSERT INTO pg_temp.runs SELECT 4, f.* FROM pg_temp.flow('bob.4@example.com') AS f;
SET regress.scenario = 5;
SET search_path = pg_temp, public;
INSERT INTO pg_temp.runs SELECT 5, f.* FROM pg_temp.flow('bob.5@example.com') AS f;
SET regress.scenario = 6;
SET search_path = pg_temp, attacker, public, pg_catalog;
INSERT INTO pg_temp.runs SELECT 6, f.* FROM pg_temp.flow('bob.6@example.com') AS f;
SET regress.scenario = 7;
RESET search_path;
INSERT INTO pg_temp.runs SELECT 7, f.* FROM pg_temp.flow('bob.7@example.com') AS f;
RESET ROLE;
-- ... and as a superuser, to whom a trap that fired would hand everything.
SET regress.scenario = 8;
SET search_path = attacker, public, pg_catalog, pg_temp;
INSERT INTO pg_temp.runs SELECT 8, f.* FROM pg_temp.flow('bob.8@example.com') AS f;
RESET search_path;

-- The audit trail of each scenario's user is that of the clean run's user.
WITH trails AS (
    SELECT s.k, s.label,
           (SELECT string_agg(concat_ws('/', e.type, e.result, e.reason), ' ' ORDER BY e.event_id)
            FROM mfa.events AS e JOIN mfa.users AS u ON u.user_id = e.user_id
            WHERE u.username = format('bob.%s@example.com', s.k)) AS trail
    FROM pg_temp.scenarios AS s
    WHERE s.k < 9)
SELECT t.k, t.label, CASE WHEN t.k = 1 THEN t.trail
                          ELSE (t.trail = (SELECT t1.trail FROM trails AS t1 WHERE t1.k = 1))::text END AS events
FROM trails AS t
ORDER BY t.k;

-- ---------------------------------------------------------------------------------------------------------
-- Reinstall with every trap in place and the hostile path in force: the script resolves nothing through the
-- caller's path (CREATE EXTENSION runs it with the search_path of the control file's schema, pg_catalog),
-- and the flow is again the clean one.
SET regress.scenario = 9;
SET search_path = attacker, public, pg_catalog, pg_temp;
DROP EXTENSION pg_mfa;
CREATE EXTENSION pg_mfa;
SELECT extname, extnamespace::regnamespace AS schema FROM pg_extension WHERE extname = 'pg_mfa';
-- The rights went with the extension; granting them again resolves nothing through the caller's path either.
SELECT mfa.grant_client('regress_hsp_app');
SET ROLE regress_hsp_app;
INSERT INTO pg_temp.runs SELECT 9, f.* FROM pg_temp.flow('bob.9@example.com') AS f;
RESET ROLE;
RESET search_path;

-- The verdict: every scenario gave the clean run's answers, step for step, and set off no trap.
SELECT s.k, s.label, count(r.n) AS steps,
       count(r.n) FILTER (WHERE r.outcome IS DISTINCT FROM c.outcome) AS changed,
       (SELECT count(*) FROM attacker.trap_log AS t WHERE t.scenario = s.k::text) AS traps
FROM pg_temp.scenarios AS s
LEFT JOIN pg_temp.runs AS r ON r.k = s.k
LEFT JOIN pg_temp.runs AS c ON c.k = 1 AND c.n = r.n
GROUP BY s.k, s.label
ORDER BY s.k;
SELECT r.k, r.n, r.step, r.outcome, c.outcome AS clean_outcome
FROM pg_temp.runs AS r JOIN pg_temp.runs AS c ON c.k = 1 AND c.n = r.n
WHERE r.outcome IS DISTINCT FROM c.outcome
ORDER BY r.k, r.n;
SELECT count(*) AS traps_fired FROM attacker.trap_log;
-- The attacker's tables still hold just what it put there.
SELECT (SELECT count(*) FROM public.users) + (SELECT count(*) FROM public.credentials) + (SELECT count(*) FROM public.sessions)
       + (SELECT count(*) FROM public.mfa_tokens) + (SELECT count(*) FROM public.realms) + (SELECT count(*) FROM public.events)
       + (SELECT count(*) FROM public.throttle_journal) AS public_rows,
       (SELECT count(*) FROM pg_temp.users) + (SELECT count(*) FROM pg_temp.credentials) + (SELECT count(*) FROM pg_temp.sessions)
       + (SELECT count(*) FROM pg_temp.mfa_tokens) + (SELECT count(*) FROM pg_temp.realms) + (SELECT count(*) FROM pg_temp.events)
       + (SELECT count(*) FROM pg_temp.throttle_journal) AS pg_temp_rows;

-- Clean up: DROP OWNED removes everything the attacker planted (schema attacker with it) and its grants.
SET client_min_messages = warning;
DROP OWNED BY regress_hsp_attacker;
RESET client_min_messages;
RESET regress.scenario;
DROP OWNED BY regress_hsp_app;
DROP ROLE regress_hsp_attacker;
DROP ROLE regress_hsp_app;

DROP EXTENSION pg_mfa;
