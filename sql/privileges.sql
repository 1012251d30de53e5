-- privileges: what the extension installs and who may use it (schemas, function attributes and grants; the
-- client and admin rights given with mfa.grant_client and mfa.grant_admin: the rights suite tests those
-- functions themselves).
CREATE EXTENSION pg_mfa;
\set SHOW_CONTEXT never

\i sql/include/sqlstate_of.sql

-- Installed, pg_mfa grants nothing to anybody: every schema, function, table, column and sequence is its
-- owner's alone until a role is given rights in this database.
SELECT count(*) AS grants_to_others
FROM (SELECT a.grantee, n.nspowner AS owner FROM pg_namespace AS n, aclexplode(n.nspacl) AS a
      WHERE n.nspname IN ('mfa', 'mfa_internal')
      UNION ALL
      SELECT a.grantee, p.proowner FROM pg_proc AS p, aclexplode(p.proacl) AS a
      WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
      UNION ALL
      SELECT a.grantee, c.relowner FROM pg_class AS c, aclexplode(c.relacl) AS a
      WHERE c.relnamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)
      UNION ALL
      SELECT a.grantee, c.relowner FROM pg_class AS c JOIN pg_attribute AS t ON t.attrelid = c.oid, aclexplode(t.attacl) AS a
      WHERE c.relnamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace)) AS g
WHERE g.grantee <> g.owner;

-- An application role with the client rights, an operator with the admin rights (in this database).
CREATE ROLE regress_priv_client;
CREATE ROLE regress_priv_admin;
SELECT mfa.grant_client('regress_priv_client');
SELECT mfa.grant_admin('regress_priv_admin');

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
  AND p.prosrc ~* '\m(insert\s+into|update\s+mfa\.[a-z_]+|delete\s+from)\M'
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
-- CHECK constraint on a table an administrator may update calls (a constraint runs with the updater's privileges).
SELECT p.oid::regprocedure AS internal_function_granted, p.proacl
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND p.proname LIKE '\_%'
  AND EXISTS (SELECT FROM aclexplode(p.proacl) AS a WHERE a.grantee <> p.proowner);
SELECT p.proname AS internal_function,
       has_function_privilege('regress_priv_client', p.oid, 'EXECUTE') AS client,
       has_function_privilege('regress_priv_admin', p.oid, 'EXECUTE') AS admin
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace) AND p.proname LIKE '\_%'
ORDER BY 1;
-- Every other function is granted to the roles with rights directly: administration (create_realm,
-- purge_expired, reset_lockout, security_report) to admins only, the rest to clients and admins; the
-- functions that grant and revoke rights to nobody (a superuser or the extension's owner calls them).
SELECT p.proname AS function_name,
       (SELECT string_agg(a.grantee::regrole::text || ':' || a.privilege_type, ', ' ORDER BY a.grantee::regrole::text)
        FROM aclexplode(p.proacl) AS a WHERE a.grantee <> p.proowner) AS grants,
       has_function_privilege('regress_priv_client', p.oid, 'EXECUTE') AS client,
       has_function_privilege('regress_priv_admin', p.oid, 'EXECUTE') AS admin
FROM pg_proc AS p
WHERE p.pronamespace = 'mfa'::regnamespace
ORDER BY 1;
SELECT count(*) AS functions,
       count(*) FILTER (WHERE has_function_privilege('regress_priv_client', p.oid, 'EXECUTE')) AS client_may_execute,
       count(*) FILTER (WHERE has_function_privilege('regress_priv_admin', p.oid, 'EXECUTE')) AS admin_may_execute,
       count(*) FILTER (WHERE p.proacl IS NULL) AS default_acl
FROM pg_proc AS p
WHERE p.pronamespace IN ('mfa'::regnamespace, 'mfa_internal'::regnamespace);

-- Tables and sequences: PUBLIC has nothing, a client has nothing (it goes through the functions); what an
-- administrator may read is in login_privileges. Every table holding data, and the identity sequence that
-- numbers its rows, is registered with pg_extension_config_dump, so pg_dump keeps the rows and the
-- sequence positions (without those, a restored database hands out ids that are taken); the default realm
-- is made by the script and left out, and so are the rights of roles that no longer exist.
SELECT c.oid::regclass AS relation, c.relkind,
       EXISTS (SELECT FROM aclexplode(c.relacl) AS a WHERE a.grantee = 0) AS public_has_any,
       has_table_privilege('regress_priv_client', c.oid, 'SELECT')
           OR has_any_column_privilege('regress_priv_client', c.oid, 'SELECT') AS client_reads,
       c.oid = ANY (e.extconfig) AS dumped,
       e.extcondition[array_position(e.extconfig, c.oid)] AS dump_condition
FROM pg_class AS c CROSS JOIN pg_extension AS e
WHERE e.extname = 'pg_mfa' AND c.relnamespace = 'mfa'::regnamespace AND c.relkind IN ('r', 'S')
ORDER BY c.relkind, c.relname;

-- The schemas: USAGE on mfa for the roles with rights only, on mfa_internal for nobody; PUBLIC may not even
-- look up names in them.
SELECT n.nspname,
       has_schema_privilege('regress_priv_client', n.oid, 'USAGE') AS client_usage,
       has_schema_privilege('regress_priv_client', n.oid, 'CREATE') AS client_create,
       has_schema_privilege('regress_priv_admin', n.oid, 'USAGE') AS admin_usage,
       EXISTS (SELECT FROM aclexplode(n.nspacl) AS a WHERE a.grantee = 0) AS public_has_any,
       obj_description(n.oid, 'pg_namespace') IS NOT NULL AS has_comment
FROM pg_namespace AS n WHERE n.nspname IN ('mfa', 'mfa_internal') ORDER BY 1;

-- A role without rights gets nothing: the schema is closed (42501) ...
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
-- ... and with USAGE on the schema (granted by hand), the functions themselves are closed (42501).
GRANT USAGE ON SCHEMA mfa TO regress_mfa_outsider;
SET ROLE regress_mfa_outsider;
SELECT pg_temp.sqlstate_of($$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59))$$) AS totp_code,
       pg_temp.sqlstate_of($$SELECT mfa.hash_password('x')$$) AS hash_password;
\set VERBOSITY sqlstate
SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59));
\set VERBOSITY terse
RESET ROLE;
REVOKE USAGE ON SCHEMA mfa FROM regress_mfa_outsider;

-- Given the client rights, the same role may use every function.
SELECT mfa.grant_client('regress_mfa_outsider');
SET ROLE regress_mfa_outsider;
SELECT mfa.totp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', to_timestamp(59), 8) AS totp_code,
       mfa.base32_encode('foobar') AS base32_encode,
       mfa.verify_password('password', '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc') AS verify_password,
       length(mfa.generate_secret()) AS secret_length,
       mfa.qr_svg('x') LIKE '<svg%' AS qr_svg;
-- Still no CREATE in the schema: nothing can be planted next to the functions.
SELECT pg_temp.sqlstate_of($$CREATE TABLE mfa.t (x int)$$) AS create_table;
RESET ROLE;
-- With the admin rights too.
SELECT mfa.grant_admin('regress_mfa_outsider');
SET ROLE regress_mfa_outsider;
SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0) AS as_admin;
RESET ROLE;
SELECT mfa.revoke_rights('regress_mfa_outsider');
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
-- CREATE EXTENSION creates no role (a role belongs to every database of the cluster) and gives nobody
-- anything: the rights given above went with the extension.
SELECT count(*) AS roles_before FROM pg_roles \gset
CREATE EXTENSION pg_mfa;
SELECT count(*) - :roles_before AS roles_created FROM pg_roles;
SELECT count(*) AS recorded_rights FROM mfa.rights;
SELECT has_function_privilege('regress_priv_client', 'mfa.totp_code(text, timestamptz, integer, integer, text)', 'EXECUTE')
           AS client_may_execute,
       has_schema_privilege('regress_priv_admin', 'mfa', 'USAGE') AS admin_usage;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
DROP ROLE regress_mfa_outsider;
DROP ROLE regress_priv_client;
DROP ROLE regress_priv_admin;
