-- pg_mfa: check a code (window 1: three candidate steps) against a stored TOTP device
\set cid 2 * random(1, :users)
SELECT mfa_internal._totp_match(s.otp_secret, :code, clock_timestamp(), 1, c.digits, c.period, c.algorithm, c.last_step)
FROM mfa.credentials AS c JOIN mfa.totp_secrets AS s USING (credential_id) WHERE c.credential_id = :cid;
