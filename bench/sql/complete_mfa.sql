-- pg_mfa: the second step for the next user of this client (each user once per run: one code per
-- time step; users stride apart)
\set u (:client_id + 1 + :i * :clients) * :stride
\set i :i + 1
SELECT result FROM mfa.complete_mfa('kli_' || lpad(:u::text, 43, 'x'), :code);
