-- baseline: the second step in PL/pgSQL over pgcrypto (bench/baseline/plpgsql_pgcrypto.sql)
\set u (:client_id + 1 + :i * :clients) * :stride
\set i :i + 1
SELECT result FROM bench_plpgsql.complete_mfa('kli_' || lpad(:u::text, 43, 'x'), :code);
