-- baseline: the password step's irreducible work in one statement, one transaction: the user's stored hash
-- verified in the database (mfa.verify_password, the hash's own Argon2id parameters), the user's row
-- share-locked as pg_mfa locks it, and the rows a needs_mfa result commits (a kli_ token of 256 random bits
-- stored as its SHA-256 digest, the audit event; with :known = 1 both name the client 'device-' and the user
-- id), written only when the password matched, committed synchronously. No throttle, no rehash check.
\set u random(1, :pwusers) * :stride
WITH login AS (
    SELECT u.user_id, r.realm_id, r.mfa_token_lifetime, c.credential_id, public.gen_random_bytes(32) AS secret,
           CASE WHEN :known = 1 THEN 'device-' || u.user_id END AS client,
           mfa.verify_password(:password, c.password_hash) AS ok
    FROM mfa.realms AS r
    JOIN mfa.users AS u ON u.realm_id = r.realm_id
    JOIN mfa.credentials AS c ON c.user_id = u.user_id AND c.type = 'password'
    WHERE r.name = 'default' AND lower(u.username) = lower('user' || :u)
    FOR SHARE OF u
), token AS (
    INSERT INTO mfa.mfa_tokens (token_digest, user_id, created_at, expires_at, client, purpose)
    SELECT sha256(l.secret), l.user_id, clock_timestamp(), clock_timestamp() + l.mfa_token_lifetime, l.client, 'mfa'
    FROM login AS l WHERE l.ok
    RETURNING user_id
), event AS (
    INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id, client)
    SELECT 'password_login', 'success', 'needs_mfa', l.realm_id, l.user_id, l.credential_id, l.client
    FROM login AS l WHERE l.ok
    RETURNING user_id
)
SELECT CASE WHEN l.ok THEN 'needs_mfa' ELSE 'failed' END, 'kli_' || encode(l.secret, 'hex')
FROM login AS l;
