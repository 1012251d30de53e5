-- privileges: what the extension installs and who may use it (schema mfa, roles mfa_client and mfa_admin,
-- function attributes and grants).
CREATE EXTENSION pg_mfa;
\set SHOW_CONTEXT never

\i sql/include/sqlstate_of.sql

-- The extension: not relocatable, at the Makefile's version, installable by superusers only.
SELECT e.extname, e.extversion, e.extrelocatable
FROM pg_extension AS e
WHERE e.extname = 'pg_mfa';
SELECT name, superuser, trusted, relocatable, schema
FROM pg_available_extension_versions WHERE name = 'pg_mfa';

-- The API: every function with its identity arguments, result, volatility, parallel safety and
-- strictness. A change to the API shows up here.
SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result, p.provolatile AS volatile, p.proparallel AS parallel,
       p.proisstrict AS strict
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
ORDER BY p.pronamespace::regnamespace::text, 1, 2;
-- Argument defaults.
SELECT p.proname AS name, pg_get_function_arguments(p.oid) AS arguments_with_defaults
FROM pg_proc AS p
WHERE p.pronamespace = 'mfa'::regnamespace AND p.pronargdefaults > 0
ORDER BY 1;
-- Everything the extension owns.
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS object
FROM pg_depend AS d
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_mfa')
  AND d.deptype = 'e'
ORDER BY 1;

-- The public API in schema mfa, the internal helpers (named _*) in mfa_internal: `\df mfa.*` lists the API only.
SELECT p.oid::regprocedure AS function_in_the_wrong_schema
FROM pg_proc AS p
WHERE (p.pronamespace = 'mfa'::regnamespace AND p.proname LIKE '\_%')
   OR (p.pronamespace = 'mfa_internal'::regnamespace AND p.proname NOT LIKE '\_%');
-- House rules for every function in schemas mfa and mfa_internal. Each query lists the violators: no rows expected.
-- search_path pinned to pg_catalog, pg_temp on every SQL and PL/pgSQL function (C functions that look
-- nothing up by name may go without; one that sets search_path sets exactly that):
SELECT p.oid::regprocedure AS pinned_search_path_missing, p.proconfig
FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
  AND NOT ('search_path=pg_catalog, pg_temp' = ANY (coalesce(p.proconfig, '{}')))
  AND (l.lanname <> 'c' OR p.proconfig IS NOT NULL);
-- a comment:
SELECT p.oid::regprocedure AS comment_missing
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND coalesce(obj_description(p.oid, 'pg_proc'), '') = '';
-- languages: C for the primitives, PL/pgSQL and SQL for the login flows.
SELECT l.lanname, count(*) AS functions
FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
GROUP BY 1 ORDER BY 1;
-- C functions of this module with an explicit symbol named after the function (pg_mfa_<name>, internal
-- helpers without their leading underscore):
SELECT p.oid::regprocedure AS symbol_mismatch, p.probin, p.prosrc
FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND l.lanname = 'c'
  AND (p.probin <> '$libdir/pg_mfa' OR p.prosrc <> 'pg_mfa_' || ltrim(p.proname, '_'));
-- an explicit volatility: STABLE or IMMUTABLE are declared on purpose; VOLATILE are the functions that use
-- randomness (secrets, salts, tokens) or the clock, or write tables:
SELECT p.oid::regprocedure AS volatile_function
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND p.provolatile = 'v'
ORDER BY p.proname;
-- the functions whose body writes a table: all VOLATILE and PARALLEL UNSAFE.
SELECT p.oid::regprocedure AS writes_tables, p.provolatile AS volatile, p.proparallel AS parallel
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
  AND p.prosrc ~* '\m(insert\s+into|update\s+mfa\.|delete\s+from)\M'
ORDER BY p.proname;

-- SECURITY DEFINER: exactly the public functions that reach the protected tables, owned by a superuser
-- (the installer), in PL/pgSQL or SQL ...
SELECT p.oid::regprocedure AS security_definer, l.lanname, r.rolsuper AS owner_is_superuser
FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang JOIN pg_roles AS r ON r.oid = p.proowner
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND p.prosecdef
ORDER BY p.proname;
-- ... and every one of them pins search_path to exactly pg_catalog, pg_temp (pg_temp last, so a caller's
-- temporary objects can never be found first). Violators:
SELECT p.oid::regprocedure AS security_definer_without_pinned_search_path, p.proconfig
FROM pg_proc AS p
WHERE p.prosecdef
  AND p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c WHERE c = 'search_path=pg_catalog, pg_temp');
-- No internal helper (mfa_internal._*) is SECURITY DEFINER: they run only inside the public ones. Trigger
-- functions may be: nobody can call them but a trigger.
SELECT p.oid::regprocedure AS internal_security_definer
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND p.proname LIKE '\_%' AND p.prosecdef
  AND p.prorettype <> 'trigger'::regtype;

-- Grants. PUBLIC has EXECUTE on nothing (no default ACL, which would mean PUBLIC EXECUTE):
SELECT p.oid::regprocedure AS public_may_execute, p.proacl
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
  AND (p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) AS a WHERE a.grantee = 0));
-- Internal helpers (mfa_internal._*) are granted to nobody (the owner is the only grantee), but for the one that a
-- CHECK constraint on a table mfa_admin may update calls (a constraint runs with the updater's privileges).
SELECT p.oid::regprocedure AS internal_function_granted, p.proacl
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND p.proname LIKE '\_%'
  AND EXISTS (SELECT FROM aclexplode(p.proacl) AS a WHERE a.grantee <> p.proowner);
SELECT p.proname AS internal_function,
       has_function_privilege('mfa_client', p.oid, 'EXECUTE') AS mfa_client,
       has_function_privilege('mfa_admin', p.oid, 'EXECUTE') AS mfa_admin
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND p.proname LIKE '\_%'
ORDER BY 1;
-- Every other function is granted to exactly one group role: mfa_admin for administration (create_realm,
-- purge_expired), mfa_client for the rest (and mfa_admin through its membership).
SELECT p.proname AS function_name,
       (SELECT string_agg(a.grantee::regrole::text || ':' || a.privilege_type, ', ' ORDER BY a.grantee::regrole::text)
        FROM aclexplode(p.proacl) AS a WHERE a.grantee <> p.proowner) AS grants,
       has_function_privilege('mfa_client', p.oid, 'EXECUTE') AS mfa_client,
       has_function_privilege('mfa_admin', p.oid, 'EXECUTE') AS mfa_admin
FROM pg_proc AS p
WHERE p.pronamespace = 'mfa'::regnamespace
ORDER BY 1;
SELECT count(*) AS functions,
       count(*) FILTER (WHERE has_function_privilege('mfa_client', p.oid, 'EXECUTE')) AS mfa_client_may_execute,
       count(*) FILTER (WHERE has_function_privilege('mfa_admin', p.oid, 'EXECUTE')) AS mfa_admin_may_execute,
       count(*) FILTER (WHERE p.proacl IS NULL) AS default_acl
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace);

-- Tables and sequences: PUBLIC has nothing, mfa_client has nothing (it goes through the functions); what
-- mfa_admin may read is in login_privileges. Every table holding data, and the identity sequence that
-- numbers its rows, is registered with pg_extension_config_dump, so pg_dump keeps the rows and the
-- sequence positions (without those, a restored database hands out ids that are taken); the default realm
-- is made by the script and left out.
SELECT c.oid::regclass AS relation, c.relkind,
       EXISTS (SELECT FROM aclexplode(c.relacl) AS a WHERE a.grantee = 0) AS public_has_any,
       has_table_privilege('mfa_client', c.oid, 'SELECT') OR has_any_column_privilege('mfa_client', c.oid, 'SELECT')
           AS mfa_client_reads,
       c.oid = ANY (e.extconfig) AS dumped,
       e.extcondition[array_position(e.extconfig, c.oid)] AS dump_condition
FROM pg_class AS c CROSS JOIN pg_extension AS e
WHERE e.extname = 'pg_mfa' AND c.relnamespace = 'mfa'::regnamespace AND c.relkind IN ('r', 'S')
ORDER BY c.relkind, c.relname;

-- The schemas: USAGE on mfa for mfa_client only, on mfa_internal for nobody; PUBLIC may not even look up
-- names in them.
SELECT n.nspname,
       has_schema_privilege('mfa_client', n.oid, 'USAGE') AS mfa_client_usage,
       has_schema_privilege('mfa_client', n.oid, 'CREATE') AS mfa_client_create,
       has_schema_privilege('mfa_admin', n.oid, 'USAGE') AS mfa_admin_usage,
       EXISTS (SELECT FROM aclexplode(n.nspacl) AS a WHERE a.grantee = 0) AS public_has_any,
       obj_description(n.oid, 'pg_namespace') IS NOT NULL AS has_comment
FROM pg_namespace AS n WHERE n.nspname IN ('mfa', 'mfa_internal') ORDER BY 1;

-- The roles: group roles that cannot log in, mfa_admin a member of mfa_client (and not the other way).
SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolinherit, r.rolbypassrls
FROM pg_roles AS r WHERE r.rolname IN ('mfa_client', 'mfa_admin') ORDER BY 1;
SELECT pg_has_role('mfa_admin', 'mfa_client', 'MEMBER') AS admin_in_app,
       pg_has_role('mfa_client', 'mfa_admin', 'MEMBER') AS app_in_admin;
-- (Members are listed among the roles pg_mfa and these tests make: on a server where applications already
-- use pg_mfa, their roles are members too.)
SELECT m.roleid::regrole AS role, m.member::regrole AS member, m.admin_option
FROM pg_auth_members AS m
WHERE m.roleid IN ('mfa_client'::regrole, 'mfa_admin'::regrole)
  AND (m.member IN ('mfa_client'::regrole, 'mfa_admin'::regrole) OR m.member::regrole::text LIKE 'regress\_%')
ORDER BY 1, 2;

-- A role without mfa_client gets nothing: the schema is closed (42501) ...
CREATE ROLE regress_mfa_outsider;
SET ROLE regress_mfa_outsider;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'totp_code', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59))$$),
             (2, 'base32_encode', $$SELECT mfa.base32_encode('x')$$),
             (3, 'hash_password', $$SELECT mfa.hash_password('x')$$),
             (4, 'verify_password', $$SELECT mfa.verify_password('x', 'y')$$),
             (5, 'generate_secret', $$SELECT mfa.generate_secret()$$),
             (6, 'qr_svg', $$SELECT mfa.qr_svg('x')$$),
             (7, 'create in schema', $$CREATE TABLE mfa.t (x int)$$),
             (8, 'create function in schema', $$CREATE FUNCTION mfa.totp_code(text) RETURNS text LANGUAGE sql AS 'SELECT 1::text'$$)) AS v(n, label, q)
ORDER BY v.n;
\set VERBOSITY sqlstate
SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59));
\set VERBOSITY terse
SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59));
RESET ROLE;
-- ... and with USAGE on the schema, but not mfa_client, the functions themselves are closed (42501).
GRANT USAGE ON SCHEMA mfa TO regress_mfa_outsider;
SET ROLE regress_mfa_outsider;
SELECT pg_temp.sqlstate_of($$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59))$$) AS totp_code,
       pg_temp.sqlstate_of($$SELECT mfa.hash_password('x')$$) AS hash_password;
\set VERBOSITY sqlstate
SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59));
\set VERBOSITY terse
RESET ROLE;
REVOKE USAGE ON SCHEMA mfa FROM regress_mfa_outsider;

-- Granted mfa_client, the same role may use every function.
GRANT mfa_client TO regress_mfa_outsider;
SET ROLE regress_mfa_outsider;
SELECT mfa.totp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', to_timestamp(59), 8) AS totp_code,
       mfa.base32_encode('foobar') AS base32_encode,
       mfa.verify_password('password', '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc') AS verify_password,
       length(mfa.generate_secret()) AS secret_length,
       mfa.qr_svg('x') LIKE '<svg%' AS qr_svg;
-- Still no CREATE in the schema: nothing can be planted next to the functions.
SELECT pg_temp.sqlstate_of($$CREATE TABLE mfa.t (x int)$$) AS create_table;
RESET ROLE;
-- Through mfa_admin too (a member of mfa_client).
REVOKE mfa_client FROM regress_mfa_outsider;
GRANT mfa_admin TO regress_mfa_outsider;
SET ROLE regress_mfa_outsider;
SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0) AS via_mfa_admin;
RESET ROLE;
REVOKE mfa_admin FROM regress_mfa_outsider;
SET ROLE regress_mfa_outsider;
SELECT pg_temp.sqlstate_of($$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0)$$) AS after_revoke;
RESET ROLE;

-- Installing refuses a schema named mfa that already exists (42P06): nobody can pre-plant objects in it.
DROP EXTENSION pg_mfa;
CREATE SCHEMA mfa;
\set VERBOSITY sqlstate
CREATE EXTENSION pg_mfa;
\set VERBOSITY terse
CREATE EXTENSION pg_mfa;
DROP SCHEMA mfa;
-- Roles belong to the cluster and outlive DROP EXTENSION; a later install reuses them, but refuses one
-- that is not a plain group role, e.g. one that can log in or is a superuser (42710). The roles may be in
-- use by applications of this server, so each change to them is made in a transaction that is rolled back:
-- no other session ever sees mfa_client able to log in.
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname IN ('mfa_client', 'mfa_admin');
BEGIN;
ALTER ROLE mfa_client LOGIN;
SAVEPOINT refused;
\set VERBOSITY sqlstate
CREATE EXTENSION pg_mfa;
ROLLBACK TO refused;
\set VERBOSITY default
CREATE EXTENSION pg_mfa;
ROLLBACK TO refused;
\set VERBOSITY terse
ALTER ROLE mfa_client NOLOGIN;
ALTER ROLE mfa_admin SUPERUSER;
CREATE EXTENSION pg_mfa;
ROLLBACK;
SELECT r.rolname, r.rolcanlogin, r.rolsuper
FROM pg_roles AS r WHERE r.rolname IN ('mfa_client', 'mfa_admin') ORDER BY 1;
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname = 'mfa';
CREATE EXTENSION pg_mfa;
SELECT pg_has_role('mfa_admin', 'mfa_client', 'MEMBER') AS admin_in_app,
       has_function_privilege('mfa_client', 'mfa.totp_code(text, timestamptz, integer, integer, text)', 'EXECUTE') AS app_may_execute;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
DROP ROLE regress_mfa_outsider;
