-- floor: the second step's reads, locks and writes with no cryptography (bench/baseline/floor.sql)
\set u (:client_id + 1 + :i * :clients) * :stride
\set i :i + 1
SELECT result FROM bench_floor.complete_mfa('kli_' || lpad(:u::text, 28, 'x'), :code);
