-- baseline: the same check in PL/pgSQL over pgcrypto hmac() (bench/baseline/plpgsql_pgcrypto.sql), the secret
-- read in plaintext (bench.plain_secrets: pgcrypto has no sealed form to open)
\set cid 2 * random(1, :users)
SELECT bench_plpgsql.totp_match(s.otp_secret, :code, clock_timestamp(), 1, c.digits, c.period, c.algorithm,
                                c.last_step)
FROM mfa.credentials AS c JOIN bench.plain_secrets AS s USING (credential_id) WHERE c.credential_id = :cid;
