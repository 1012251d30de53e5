-- bench/baseline/plpgsql_pgcrypto.sql: the way people do TOTP in plain SQL today, written as well as we can,
-- as the baseline of bench/run. PL/pgSQL over pgcrypto (hmac, digest, gen_random_bytes), the secret kept as
-- bytea (no base32 decoding per call), and the same rules as pg_mfa: the same window, every candidate step
-- evaluated (no early exit), replays refused by the last accepted step, single-use kli_ tokens stored as
-- SHA-256 digests, the throttle row of the user locked and checked, an audit event, a session token of 256
-- random bits. It runs on pg_mfa's own tables, so that both do the same reads and writes, except the TOTP
-- secrets: pg_mfa's are sealed under the cluster's key file and opened inside its check, this one reads them
-- in plaintext (bench.plain_secrets, a table of the same shape); it has no encryption at rest to pay for.

CREATE SCHEMA bench_plpgsql;

-- The clock of a run: bench.clock (seconds since 1970) when bench/run fixes it, the wall clock otherwise.
CREATE FUNCTION bench_plpgsql.now()
RETURNS timestamptz
LANGUAGE sql VOLATILE
AS $function$
    SELECT coalesce(to_timestamp(nullif(current_setting('bench.clock', true), '')::bigint), clock_timestamp());
$function$;

-- totp_match: the time step (within window steps of `at`, after last_step) that the code matches; -1 when
-- it only matches a step already used; NULL when it matches none. Same contract as mfa_internal._totp_match.
CREATE FUNCTION bench_plpgsql.totp_match(secret bytea, code text, at timestamptz, "window" integer, digits integer,
                                         period integer, algorithm text, last_step bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $function$
DECLARE
    v_now_step bigint := floor(extract(epoch FROM at) / period)::bigint;
    v_modulus bigint := (10::bigint ^ digits)::bigint;
    v_step bigint;
    v_mac bytea;
    v_offset integer;
    v_value bigint;
    v_found bigint;
    v_stale boolean := false;
BEGIN
    FOR v_step IN v_now_step - "window" .. v_now_step + "window" LOOP
        v_mac := public.hmac(int8send(v_step), secret, algorithm);
        v_offset := get_byte(v_mac, length(v_mac) - 1) & 15;
        v_value := ((get_byte(v_mac, v_offset) & 127)::bigint << 24) | (get_byte(v_mac, v_offset + 1) << 16)
                   | (get_byte(v_mac, v_offset + 2) << 8) | get_byte(v_mac, v_offset + 3);
        IF lpad((v_value % v_modulus)::text, digits, '0') = code THEN
            IF last_step IS NULL OR v_step > last_step THEN
                v_found := coalesce(v_found, v_step);
            ELSE
                v_stale := true;
            END IF;
        END IF;
    END LOOP;
    IF v_found IS NULL AND v_stale THEN
        RETURN -1;
    END IF;
    RETURN v_found;
END
$function$;

-- complete_mfa: the second step with the table reads, row locks and writes of mfa.complete_mfa's success
-- path (token row locked, realm read, the user's throttle row locked and checked, devices tried, the step
-- consumed, the failure count reset, the token consumed, a session made, an audit event), with pgcrypto
-- for the digests, the codes and the session token. What pg_mfa does beyond it is its own cost: the
-- rollback-proof throttle in shared memory (a check and two resets), the kli_ token's failure count check,
-- the forced durable commit calls, opening the sealed TOTP secret, helper functions with a pinned search_path
-- and the SECURITY DEFINER SQL wrapper.
CREATE FUNCTION bench_plpgsql.complete_mfa(kli_token text, code text)
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
    WHERE t.token_digest = public.digest(complete_mfa.kli_token, 'sha256')
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
        v_step := bench_plpgsql.totp_match(v_cred.otp_secret, complete_mfa.code, v_now, v_realm.totp_window,
                                           v_cred.digits, v_cred.period, v_cred.algorithm, v_cred.last_step);
        CONTINUE WHEN v_step IS NULL OR v_step < 0;
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
    v_token := 'kss_' || rtrim(translate(encode(public.gen_random_bytes(32), 'base64'), '+/', '-_'), '=');
    v_expires := v_now + v_realm.session_lifetime;
    INSERT INTO mfa.sessions (token_digest, user_id, mfa_verified, created_at, expires_at, mfa_at, methods)
    VALUES (public.digest(v_token, 'sha256'), v_user_id, true, v_now, v_expires, v_now, ARRAY['pwd', 'otp']);
    INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
    VALUES ('mfa_login', 'success', 'full_login', v_realm.realm_id, v_user_id, v_matched);
    RETURN QUERY SELECT 'full_login'::text, v_user_id, v_token, v_expires;
END
$function$;
