-- baseline: the same check in PL/pgSQL over pgcrypto hmac() (bench/baseline/plpgsql_pgcrypto.sql)
\set step random(1, 1000000000)
SELECT bench_plpgsql.totp_match(:key, :code, clock_timestamp(), 1, 6, 30, 'sha1', :step::bigint);
