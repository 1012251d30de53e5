-- test/integration/upgrade_catalog.sql: everything pg_mfa's scripts define, one line per property, in a
-- stable order and without OIDs, so that an upgraded database and a fresh install can be compared with diff.
-- Run by test/integration/upgrade in both databases.
WITH ext AS (
    SELECT e.oid, e.extowner, e.extconfig, e.extcondition FROM pg_catalog.pg_extension AS e WHERE e.extname = 'pg_mfa'
),
members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend AS d, ext
    WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
),
nsp AS (
    SELECT n.oid FROM pg_catalog.pg_namespace AS n WHERE n.nspname IN ('mfa', 'mfa_internal')
),
lines(line) AS (
    -- The extension's members.
    SELECT 'member ' || pg_catalog.pg_describe_object(m.classid, m.objid, 0) FROM members AS m
    UNION ALL
    -- Tables dumped with their data (pg_extension_config_dump) and their conditions.
    SELECT 'config ' || c::pg_catalog.regclass::text || ' ' || coalesce(ext.extcondition[i], '')
    FROM ext, pg_catalog.unnest(ext.extconfig) WITH ORDINALITY AS u(c, i)
    UNION ALL
    -- Schemas.
    SELECT 'schema ' || n.nspname || ' owner_is_extension_owner=' || (n.nspowner = ext.extowner)::text
           || ' acl=' || coalesce(n.nspacl::text, 'default')
           || ' comment=' || coalesce(pg_catalog.obj_description(n.oid, 'pg_namespace'), '')
    FROM pg_catalog.pg_namespace AS n, ext WHERE n.oid IN (SELECT oid FROM nsp)
    UNION ALL
    -- Functions: signature, result, language, attributes, settings, rights, comment and body.
    SELECT 'function ' || p.oid::pg_catalog.regprocedure::text
           || ' args=' || pg_catalog.pg_get_function_arguments(p.oid)
           || ' result=' || pg_catalog.pg_get_function_result(p.oid)
           || ' lang=' || l.lanname || ' kind=' || p.prokind::text || ' volatile=' || p.provolatile::text
           || ' parallel=' || p.proparallel::text || ' strict=' || p.proisstrict::text
           || ' secdef=' || p.prosecdef::text || ' leakproof=' || p.proleakproof::text
           || ' cost=' || p.procost || ' rows=' || p.prorows
           || ' config=' || coalesce(p.proconfig::text, '')
           || ' owner_is_extension_owner=' || (p.proowner = ext.extowner)::text
           || ' acl=' || coalesce(p.proacl::text, 'default')
           || ' bin=' || coalesce(p.probin, '') || ' src_md5=' || pg_catalog.md5(p.prosrc)
           || ' comment=' || coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '')
    FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_language AS l ON l.oid = p.prolang, ext
    WHERE p.pronamespace IN (SELECT oid FROM nsp)
    UNION ALL
    -- Relations: kind, options, rights, comment.
    SELECT 'relation ' || c.oid::pg_catalog.regclass::text || ' kind=' || c.relkind::text
           || ' persistence=' || c.relpersistence::text || ' options=' || coalesce(c.reloptions::text, '')
           || ' rowsecurity=' || c.relrowsecurity::text
           || ' owner_is_extension_owner=' || (c.relowner = ext.extowner)::text
           || ' acl=' || coalesce(c.relacl::text, 'default')
           || ' comment=' || coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), '')
    FROM pg_catalog.pg_class AS c, ext WHERE c.relnamespace IN (SELECT oid FROM nsp)
    UNION ALL
    -- Columns, in their order, with type, nullability, default, identity, rights and comment.
    -- (Position among the live columns: a column an upgrade dropped leaves a gap in attnum that a fresh
    -- install does not have, with no other effect.)
    SELECT 'column ' || c.oid::pg_catalog.regclass::text
           || ' #' || pg_catalog.row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || a.attname
           || ' type=' || pg_catalog.format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull::text
           || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
           || ' default=' || coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '')
           || ' collation=' || a.attcollation::pg_catalog.regcollation::text
           || ' acl=' || coalesce(a.attacl::text, 'default')
           || ' comment=' || coalesce(pg_catalog.col_description(c.oid, a.attnum), '')
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE c.relnamespace IN (SELECT oid FROM nsp) AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
    UNION ALL
    -- Constraints.
    SELECT 'constraint ' || r.conrelid::pg_catalog.regclass::text || ' ' || r.conname || ' '
           || pg_catalog.pg_get_constraintdef(r.oid, true) || ' deferrable=' || r.condeferrable::text
           || ' validated=' || r.convalidated::text
           || ' comment=' || coalesce(pg_catalog.obj_description(r.oid, 'pg_constraint'), '')
    FROM pg_catalog.pg_constraint AS r WHERE r.connamespace IN (SELECT oid FROM nsp)
    UNION ALL
    -- Indexes.
    SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
    FROM pg_catalog.pg_index AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.indrelid
    WHERE c.relnamespace IN (SELECT oid FROM nsp)
    UNION ALL
    -- Triggers.
    SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid, true) || ' enabled=' || t.tgenabled::text
    FROM pg_catalog.pg_trigger AS t JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
    WHERE c.relnamespace IN (SELECT oid FROM nsp) AND NOT t.tgisinternal
    UNION ALL
    -- Sequences' parameters (not their positions, which depend on the data).
    SELECT 'sequence ' || s.seqrelid::pg_catalog.regclass::text || ' type=' || s.seqtypid::pg_catalog.regtype::text
           || ' start=' || s.seqstart || ' increment=' || s.seqincrement || ' max=' || s.seqmax
           || ' min=' || s.seqmin || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle::text
    FROM pg_catalog.pg_sequence AS s JOIN pg_catalog.pg_class AS c ON c.oid = s.seqrelid
    WHERE c.relnamespace IN (SELECT oid FROM nsp)
    UNION ALL
    -- Policies, types and operators the scripts may define one day.
    SELECT 'policy ' || p.polrelid::pg_catalog.regclass::text || ' ' || p.polname || ' ' || p.polcmd::text
           || ' ' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '')
           || ' ' || coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '')
    FROM pg_catalog.pg_policy AS p JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
    WHERE c.relnamespace IN (SELECT oid FROM nsp)
    UNION ALL
    SELECT 'type ' || t.oid::pg_catalog.regtype::text || ' kind=' || t.typtype::text
           || ' acl=' || coalesce(t.typacl::text, 'default')
    FROM pg_catalog.pg_type AS t WHERE t.typnamespace IN (SELECT oid FROM nsp) AND t.typtype <> 'c'
         AND t.typelem = 0
    UNION ALL
    -- The initial privileges pg_dump starts from (recorded at CREATE/ALTER EXTENSION).
    SELECT 'init_privs ' || pg_catalog.pg_describe_object(ip.classoid, ip.objoid, ip.objsubid) || ' '
           || ip.privtype::text || ' ' || ip.initprivs::text
    FROM pg_catalog.pg_init_privs AS ip JOIN members AS m ON m.classid = ip.classoid AND m.objid = ip.objoid
)
SELECT line FROM lines ORDER BY line COLLATE "C";
