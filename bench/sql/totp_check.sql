-- pg_mfa: check a code (window 1: three candidate steps) against a stored TOTP device, as complete_mfa does:
-- the sealed secret opened inside mfa_internal._totp_match_sealed with the key its key_id names
\set cid 2 * random(1, :users)
SELECT mfa_internal._totp_match_sealed(s.otp_secret, s.key_id, c.credential_id, c.user_id, :code, clock_timestamp(), 1,
                                       c.digits, c.period, c.algorithm, c.last_step)
FROM mfa.credentials AS c JOIN mfa.totp_secrets AS s USING (credential_id) WHERE c.credential_id = :cid;
