-- pg_mfa: a failed second step (a wrong code) for the next user of this client. The users sit one below
-- the successful logins' (shift 1), each takes one wrong code per run, and no run brings a user to the
-- lockout threshold: every call takes the counted-failure path (the throttle worker's commit, the token's
-- count in the caller's transaction), never the cheaper refusal of a locked user.
\set u (:client_id + 1 + :i * :clients) * :stride - 1
\set i :i + 1
SELECT result FROM mfa.complete_mfa('kli_' || lpad(:u::text, 43, 'x'), :code);
