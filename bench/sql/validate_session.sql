-- pg_mfa: validate a live kss_ session token, a random one of :sessions
\set s random(1, :sessions)
SELECT * FROM mfa.validate_session('kss_' || lpad(:s::text, 43, 'x'));
