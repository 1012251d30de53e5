-- pg_mfa: the first step (Argon2id verification, kli_ token issued) for a random one of :pwusers users,
-- :stride apart
\set u random(1, :pwusers) * :stride
SELECT result FROM mfa.authenticate_password('user' || :u, :password);
