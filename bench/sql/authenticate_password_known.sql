-- pg_mfa: the first step from a client the user knows (bench.load: a login from 'device-' and the user id
-- completed), for a random one of :pwusers users, :stride apart: the known client's own password throttle
\set u random(1, :pwusers) * :stride
SELECT result FROM mfa.authenticate_password('user' || :u, :password, 'default', 'device-' || :u);
