-- rights: mfa.grant_client, mfa.grant_admin and mfa.revoke_rights, the administration of who may use pg_mfa
-- in this database. The client rights are exactly USAGE on schema mfa and EXECUTE on the 21 client
-- functions; the admin rights add the 4 administration functions, reading the tables but the secret columns,
-- changing realm policy and the display-name check the realm constraints call. Rights belong to this
-- database (test/integration/tenant_isolation shows another database of the cluster is untouched).
CREATE EXTENSION pg_mfa;
\set SHOW_CONTEXT never

\i sql/include/sqlstate_of.sql

CREATE ROLE regress_rights_app;
CREATE ROLE regress_rights_ops;
CREATE ROLE regress_rights_other LOGIN;

-- Every privilege a role holds on pg_mfa's objects, one line each (columns included).
CREATE FUNCTION pg_temp.privileges_of(who regrole) RETURNS TABLE (object text, privilege text) LANGUAGE sql AS $$
    SELECT 'schema ' || n.nspname, a.privilege_type
    FROM pg_namespace AS n, aclexplode(n.nspacl) AS a
    WHERE n.nspname IN ('mfa', 'mfa_internal') AND a.grantee = who
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text, a.privilege_type
    FROM pg_proc AS p, aclexplode(p.proacl) AS a
    WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND a.grantee = who
    UNION ALL
    SELECT 'table ' || c.oid::regclass::text, a.privilege_type
    FROM pg_class AS c, aclexplode(c.relacl) AS a
    WHERE c.relnamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND a.grantee = who
    UNION ALL
    SELECT 'column ' || c.oid::regclass::text || '.' || t.attname, a.privilege_type
    FROM pg_class AS c JOIN pg_attribute AS t ON t.attrelid = c.oid, aclexplode(t.attacl) AS a
    WHERE c.relnamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND a.grantee = who
    ORDER BY 1, 2
$$;

-- Nothing before the grant.
SELECT count(*) AS app_privileges FROM pg_temp.privileges_of('regress_rights_app');

-- grant_client: the schema and the 21 client functions, nothing else.
SELECT mfa.grant_client('regress_rights_app');
SELECT * FROM pg_temp.privileges_of('regress_rights_app');
SELECT role, level FROM mfa.rights ORDER BY role::text;

-- grant_admin: the client rights, the administration functions, the tables (not the secret columns), realm
-- policy and the display-name check.
SELECT mfa.grant_admin('regress_rights_ops');
SELECT * FROM pg_temp.privileges_of('regress_rights_ops');
SELECT role, level FROM mfa.rights ORDER BY role::text;
-- Exactly the client rights are in the admin rights.
SELECT count(*) AS client_rights_admins_lack
FROM (SELECT * FROM pg_temp.privileges_of('regress_rights_app')
      EXCEPT SELECT * FROM pg_temp.privileges_of('regress_rights_ops')) AS x;

-- The rights work: the client calls a flow, the administrator reads the record of rights, the client may not.
SET ROLE regress_rights_app;
SELECT pg_temp.sqlstate_of($$SELECT mfa.create_user('alice@example.com')$$) AS client_create_user,
       pg_temp.sqlstate_of($$SELECT mfa.create_realm('r1')$$) AS client_create_realm,
       pg_temp.sqlstate_of($$SELECT count(*) FROM mfa.rights$$) AS client_reads_rights;
SET ROLE regress_rights_ops;
SELECT pg_temp.sqlstate_of($$SELECT mfa.create_realm('r1')$$) AS admin_create_realm;
SELECT role, level FROM mfa.rights ORDER BY role::text;
RESET ROLE;

-- A grant sets a role's level, it does not add to it: grant_client takes an administrator's extra rights
-- away (and a privilege someone granted by hand with them).
GRANT EXECUTE ON FUNCTION mfa.purge_expired(interval) TO regress_rights_app;
SELECT mfa.grant_client('regress_rights_app');
SELECT count(*) AS app_privileges, count(*) FILTER (WHERE object LIKE '%purge_expired%') AS by_hand
FROM pg_temp.privileges_of('regress_rights_app');
SELECT mfa.grant_admin('regress_rights_app');
SELECT mfa.grant_client('regress_rights_app');
SELECT (SELECT count(*) FROM pg_temp.privileges_of('regress_rights_app')) AS app_privileges,
       (SELECT level FROM mfa.rights WHERE role = 'regress_rights_app'::regrole) AS level;
-- Granting again changes nothing.
SELECT mfa.grant_admin('regress_rights_ops');
SELECT count(*) AS ops_privileges FROM pg_temp.privileges_of('regress_rights_ops');

-- These grants are not pg_mfa's initial privileges: pg_init_privs knows none of them (pg_dump dumps the
-- difference, so a restored database gets them).
SELECT count(*) AS init_privs_of_rights
FROM pg_init_privs AS ip, aclexplode(ip.initprivs) AS a
WHERE a.grantee IN ('regress_rights_app'::regrole, 'regress_rights_ops'::regrole);

-- Only a superuser or the extension's owner may grant and revoke: another role, even one with the admin
-- rights, gets 42501 (PUBLIC has no EXECUTE on the three functions) ...
SET ROLE regress_rights_ops;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'grant_client', $$SELECT mfa.grant_client('regress_rights_other')$$),
             (2, 'grant_admin', $$SELECT mfa.grant_admin('regress_rights_ops')$$),
             (3, 'revoke_rights', $$SELECT mfa.revoke_rights('regress_rights_app')$$)) AS v(n, label, q)
ORDER BY v.n;
RESET ROLE;
-- ... and so does a role that was given EXECUTE on them by mistake: the functions check their caller (in
-- mfa_internal, which such a role may not even use).
GRANT EXECUTE ON FUNCTION mfa.grant_client(regrole), mfa.grant_admin(regrole), mfa.revoke_rights(regrole)
    TO regress_rights_other;
GRANT USAGE ON SCHEMA mfa TO regress_rights_other;
SET ROLE regress_rights_other;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'grant_client', $$SELECT mfa.grant_client('regress_rights_other')$$),
             (2, 'grant_admin', $$SELECT mfa.grant_admin('regress_rights_other')$$),
             (3, 'revoke_rights', $$SELECT mfa.revoke_rights('regress_rights_app')$$)) AS v(n, label, q)
ORDER BY v.n;
\set VERBOSITY sqlstate
SELECT mfa.grant_admin('regress_rights_other');
\set VERBOSITY terse
RESET ROLE;
SELECT role, level FROM mfa.rights ORDER BY role::text;
-- (revoke_rights takes any privilege on pg_mfa's objects, those granted by hand too.)
SELECT mfa.revoke_rights('regress_rights_other') AS had_some;
SELECT count(*) AS privileges_left FROM pg_temp.privileges_of('regress_rights_other');

-- Refused: NULL (22004), PUBLIC, a superuser (it passes every check anyway) and the extension's owner
-- (22023), a role that does not exist (42704). Nothing is recorded.
SELECT v.label, replace(pg_temp.sqlstate_of(v.q), current_user, '<current_user>') AS result
FROM (VALUES (1, 'NULL', $$SELECT mfa.grant_client(NULL)$$),
             (2, 'PUBLIC', $$SELECT mfa.grant_client(0)$$),
             (3, 'superuser', $$SELECT mfa.grant_admin(current_user::regrole)$$),
             (4, 'unknown name', $$SELECT mfa.grant_client('regress_rights_nobody')$$),
             (5, 'unknown OID', $$SELECT mfa.grant_client('4294967295'::oid::regrole)$$),
             (6, 'revoke NULL', $$SELECT mfa.revoke_rights(NULL)$$),
             (7, 'revoke PUBLIC', $$SELECT mfa.revoke_rights(0)$$),
             (8, 'revoke from the owner', format('SELECT mfa.revoke_rights(%s)',
                                                 (SELECT extowner FROM pg_extension WHERE extname = 'pg_mfa')))) AS v(n, label, q)
ORDER BY v.n;
SELECT count(*) AS rights FROM mfa.rights;

-- Rights follow a rename (a regrole is the role's OID).
ALTER ROLE regress_rights_app RENAME TO regress_rights_app2;
SELECT role, level FROM mfa.rights ORDER BY role::text;
SET ROLE regress_rights_app2;
SELECT pg_temp.sqlstate_of($$SELECT mfa.create_user('bob@example.com')$$) AS renamed_create_user;
RESET ROLE;
ALTER ROLE regress_rights_app2 RENAME TO regress_rights_app;

-- Every install and upgrade takes all privileges on pg_mfa's objects away and grants the recorded rights
-- again (mfa_internal._revoke_rights, mfa_internal._grant_recorded_rights); the same two steps by hand give
-- every role its rights back as they were.
SELECT count(*) AS app_before FROM pg_temp.privileges_of('regress_rights_app') \gset
SELECT count(*) AS ops_before FROM pg_temp.privileges_of('regress_rights_ops') \gset
SELECT mfa_internal._revoke_rights(r.role) AS reset FROM mfa.rights AS r ORDER BY r.role::text;
SELECT count(*) AS app_after_reset FROM pg_temp.privileges_of('regress_rights_app');
SELECT mfa_internal._grant_recorded_rights();
SELECT (SELECT count(*) FROM pg_temp.privileges_of('regress_rights_app')) = :app_before AS app_same,
       (SELECT count(*) FROM pg_temp.privileges_of('regress_rights_ops')) = :ops_before AS ops_same;

-- DROP ROLE is refused while the role holds privileges here (PostgreSQL's rule for any privilege);
-- revoke_rights first.
SELECT pg_temp.sqlstate_of('DROP ROLE regress_rights_ops') AS drop_with_rights;
SELECT mfa.revoke_rights('regress_rights_ops') AS revoked;
SELECT count(*) AS ops_privileges FROM pg_temp.privileges_of('regress_rights_ops');
SELECT mfa.revoke_rights('regress_rights_ops') AS revoked_again;
DROP ROLE regress_rights_ops;
-- DROP OWNED revokes the privileges too, and leaves the record of a role that then goes: the next install
-- or upgrade forgets it (and pg_dump never dumps it: its OID may be another role's elsewhere).
SELECT oid AS app_oid FROM pg_roles WHERE rolname = 'regress_rights_app' \gset
DROP OWNED BY regress_rights_app;
DROP ROLE regress_rights_app;
SELECT role::oid = :app_oid AS dropped_role, level FROM mfa.rights;
SELECT mfa_internal._grant_recorded_rights();
SELECT count(*) AS rights FROM mfa.rights;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
DROP ROLE regress_rights_other;
