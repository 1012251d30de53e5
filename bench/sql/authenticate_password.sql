-- pg_mfa: the first step (Argon2id verification, kli_ token issued) for a random user among :pwusers
\set u random(1, :pwusers)
SELECT result FROM mfa.authenticate_password('user' || :u, :password);
