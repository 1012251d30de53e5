-- baseline: the plain indexed lookup of a session by its token's SHA-256 digest, a random one of :sessions
\set s random(1, :sessions)
SELECT s.user_id, s.expires_at FROM mfa.sessions AS s
WHERE s.token_digest = sha256(convert_to('kss_' || lpad(:s::text, 43, 'x'), 'UTF8'))
  AND s.revoked_at IS NULL AND s.expires_at > clock_timestamp();
