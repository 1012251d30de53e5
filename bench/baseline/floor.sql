-- bench/baseline/floor.sql: the floor of the second step's writes. The table statements of
-- bench_plpgsql.complete_mfa (the reads, row locks and writes of mfa.complete_mfa's success path) with no
-- cryptography at all: the kli_ token is looked up by its own bytes, the code compared with the one
-- bench/run expects (bench.code), the session key made from a sequence number scattered by PostgreSQL's
-- own (non-cryptographic) integer hash, so that it lands at random places in the sessions index as a
-- digest does; the devices are read from bench.plain_secrets, as the PL/pgSQL flow reads them. What is
-- left is what the database must do anyway: the reads, the row locks, the writes and the synchronous commit.

CREATE SCHEMA bench_floor;
CREATE SEQUENCE bench_floor.session_seq;

CREATE FUNCTION bench_floor.complete_mfa(kli_token text, code text)
RETURNS TABLE (result text, user_id bigint, token text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE
AS $function$
#variable_conflict use_column
DECLARE
    v_now timestamptz := bench_plpgsql.now();
    v_mfa_token_id bigint;
    v_user_id bigint;
    v_live boolean;
    v_token_failures integer;
    v_realm mfa.realms;
    v_lockout bench.user_lockouts;
    v_cred record;
    v_step bigint;
    v_matched bigint;
    v_token text;
    v_expires timestamptz;
BEGIN
    SELECT t.mfa_token_id, t.user_id, t.consumed_at IS NULL AND t.expires_at > v_now, t.failures
    INTO v_mfa_token_id, v_user_id, v_live, v_token_failures
    FROM mfa.mfa_tokens AS t
    WHERE t.token_digest = convert_to(complete_mfa.kli_token, 'UTF8')
    FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO mfa.events (type, result, reason) VALUES ('mfa_login', 'failure', 'invalid_token');
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    SELECT r.* INTO v_realm FROM mfa.users AS u JOIN mfa.realms AS r ON r.realm_id = u.realm_id
    WHERE u.user_id = v_user_id;
    SELECT l.* INTO v_lockout FROM bench.user_lockouts AS l WHERE l.user_id = v_user_id FOR UPDATE;
    IF NOT v_live OR v_token_failures >= v_realm.mfa_token_max_failures
       OR v_lockout.code_failures >= v_realm.code_disable_threshold
       OR (v_lockout.code_locked_until IS NOT NULL AND v_lockout.code_locked_until > v_now) THEN
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id)
        VALUES ('mfa_login', 'failure', 'throttled', v_realm.realm_id, v_user_id);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    FOR v_cred IN
        SELECT c.credential_id, s.otp_secret, c.algorithm, c.digits, c.period, c.last_step
        FROM mfa.credentials AS c
        JOIN bench.plain_secrets AS s ON s.credential_id = c.credential_id
        WHERE c.user_id = v_user_id AND c.type = 'totp' AND c.state = 'active'
        ORDER BY c.credential_id
    LOOP
        v_step := CASE WHEN complete_mfa.code = current_setting('bench.code')
                       THEN floor(extract(epoch FROM v_now) / v_cred.period)::bigint END;
        CONTINUE WHEN v_step IS NULL;
        UPDATE mfa.credentials AS c SET last_step = v_step, last_used_at = v_now
        WHERE c.credential_id = v_cred.credential_id AND (c.last_step IS NULL OR c.last_step < v_step);
        IF FOUND THEN
            v_matched := v_cred.credential_id;
            EXIT;
        END IF;
    END LOOP;
    IF v_matched IS NULL THEN
        UPDATE bench.user_lockouts AS l SET code_failures = l.code_failures + 1 WHERE l.user_id = v_user_id;
        UPDATE mfa.mfa_tokens AS t SET failures = t.failures + 1 WHERE t.mfa_token_id = v_mfa_token_id;
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id)
        VALUES ('mfa_login', 'failure', 'wrong_code', v_realm.realm_id, v_user_id);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    UPDATE bench.user_lockouts AS l SET code_failures = 0, code_locked_until = NULL
    WHERE l.user_id = v_user_id AND (l.code_failures <> 0 OR l.code_locked_until IS NOT NULL);
    UPDATE mfa.mfa_tokens AS t SET consumed_at = v_now
    WHERE t.mfa_token_id = v_mfa_token_id AND t.consumed_at IS NULL;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    v_token := nextval('bench_floor.session_seq')::text;
    v_token := 'kss_' || lpad(to_hex(hashtext(v_token)), 8, '0') || lpad(v_token, 20, 'y');
    v_expires := v_now + v_realm.session_lifetime;
    INSERT INTO mfa.sessions (token_digest, user_id, mfa_verified, created_at, expires_at, mfa_at, methods)
    VALUES (convert_to(v_token, 'UTF8'), v_user_id, true, v_now, v_expires, v_now, ARRAY['pwd', 'otp']);
    INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
    VALUES ('mfa_login', 'success', 'full_login', v_realm.realm_id, v_user_id, v_matched);
    RETURN QUERY SELECT 'full_login'::text, v_user_id, v_token, v_expires;
END
$function$;
