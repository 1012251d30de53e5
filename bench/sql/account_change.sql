-- pg_mfa: an account-security change that is announced (NOTIFY mfa_events at commit): a new set of one
-- recovery code for a random user (user row locked, old codes deleted, one inserted, the audit row)
\set u random(1, :users)
SELECT count(*) FROM mfa.generate_recovery_codes(:u, 1);
