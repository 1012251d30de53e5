-- pg_mfa: validate a live kss_ session token
\set u random(1, :users)
SELECT * FROM mfa.validate_session('kss_' || lpad(:u::text, 43, 'x'));
