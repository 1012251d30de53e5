-- floor: read the stored TOTP device the check needs (its sealed secret and key id), and nothing else
\set cid 2 * random(1, :users)
SELECT s.otp_secret, s.key_id, c.user_id, c.digits, c.period, c.algorithm, c.last_step
FROM mfa.credentials AS c JOIN mfa.totp_secrets AS s USING (credential_id) WHERE c.credential_id = :cid;
