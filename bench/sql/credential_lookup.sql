-- floor: read the stored TOTP device the check needs, and nothing else
\set cid 2 * random(1, :users)
SELECT c.otp_secret, c.digits, c.period, c.algorithm, c.last_step FROM mfa.credentials AS c WHERE c.credential_id = :cid;
