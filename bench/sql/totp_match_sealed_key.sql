-- pg_mfa: check a code (window 1: three candidate steps) with the device's sealed secret given as bytea: the
-- call complete_mfa makes (the secret opened with key :keyid, the ids of credential 2 and user 1 bound in)
\set step random(1, 1000000000)
SELECT mfa_internal._totp_match_sealed(:sealed, :keyid, 2, 1, :code, clock_timestamp(), 1, 6, 30, 'sha1', :step::bigint);
