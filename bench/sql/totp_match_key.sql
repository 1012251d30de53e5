-- pg_mfa: check a code (window 1: three candidate steps) with the device's key given as bytea
\set step random(1, 1000000000)
SELECT mfa_internal._totp_match(:key, :code, clock_timestamp(), 1, 6, 30, 'sha1', :step::bigint);
