-- schema.sql: the example application's own table, run once by its owner (not by the application's role)
-- in a database where pg_mfa is installed: psql -v app=my_app -f schema.sql
--
-- The application's role gets pg_mfa's client rights (mfa.grant_client) and SELECT and INSERT on payouts.
-- It does not own the table: an owner is not subject to its row-level security (unless FORCE is set).

SELECT mfa.grant_client(:'app');

CREATE TABLE payouts (
    payout_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL,                 -- a pg_mfa user id (mfa.users lives in pg_mfa's schema)
    amount     numeric(11, 2) NOT NULL CHECK (amount > 0),
    recipient  text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A user's payouts, only to a session at aal2 whose second factor was checked less than 5 minutes ago
-- (mfa.begin_request sets the context at the start of each transaction; without it every reader is NULL
-- and the policy shows nothing and lets nothing in). The readers are in sub-selects: evaluated once per
-- query, not once per row.
ALTER TABLE payouts ENABLE ROW LEVEL SECURITY;
CREATE POLICY payouts_own_fresh_aal2 ON payouts
    USING (user_id = (SELECT mfa.user_id())
           AND (SELECT mfa.aal()) = 'aal2'
           AND (SELECT mfa.mfa_age()) < interval '5 minutes')
    WITH CHECK (user_id = (SELECT mfa.user_id())
                AND (SELECT mfa.aal()) = 'aal2'
                AND (SELECT mfa.mfa_age()) < interval '5 minutes');

GRANT SELECT, INSERT (user_id, amount, recipient) ON payouts TO :"app";
