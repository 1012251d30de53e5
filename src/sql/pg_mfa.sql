-- pg_mfa: password login and TOTP two-factor authentication inside PostgreSQL.
--
-- Source of pg_mfa--<version>.sql (the Makefile copies it). A released script is never edited again:
-- changes go into a new upgrade script pg_mfa--A--B.sql.

\echo Use "CREATE EXTENSION pg_mfa" to load this file. \quit

-- The schema is created here, not reused: if a schema named mfa already exists, CREATE EXTENSION fails
-- rather than install next to objects someone else planted.
CREATE SCHEMA mfa;
REVOKE ALL ON SCHEMA mfa FROM PUBLIC;
COMMENT ON SCHEMA mfa IS 'pg_mfa: password login and TOTP two-factor authentication';

-- Group roles. Roles belong to the cluster, not to a database, so a second database that installs pg_mfa
-- finds them already there; they are accepted only if they cannot log in and are not superusers (a role
-- of that name made for another purpose is not silently handed the extension's privileges).
--   mfa_client the application: enrollment and login functions (and, for now, the primitives)
--   mfa_admin  administrators: realm policy and credential management; also a member of mfa_client
DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['mfa_client', 'mfa_admin'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) role_name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
        ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles
                      WHERE rolname OPERATOR(pg_catalog.=) role_name AND (rolcanlogin OR rolsuper)) THEN
            RAISE EXCEPTION 'role "%" exists and can log in or is a superuser', role_name
                USING ERRCODE = '42710',
                      HINT = 'pg_mfa uses it as a group role; rename or drop that role first.';
        END IF;
    END LOOP;
END
$roles$;
GRANT mfa_client TO mfa_admin;
GRANT USAGE ON SCHEMA mfa TO mfa_client;

-- ---------------------------------------------------------------------------------------------------------
-- Primitives: encodings and one-time codes

CREATE FUNCTION mfa.base32_encode(data bytea)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_base32_encode';
COMMENT ON FUNCTION mfa.base32_encode(bytea) IS
'RFC 4648 base32 of the bytes, upper case, without padding (the form authenticator apps take)';

CREATE FUNCTION mfa.base32_decode(data text)
RETURNS bytea
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_base32_decode';
COMMENT ON FUNCTION mfa.base32_decode(text) IS
'bytes of RFC 4648 base32 text; any case, spaces and "=" ignored; rejects other characters and non-zero trailing bits (22P02)';

CREATE FUNCTION mfa.hotp_code(secret text, counter bigint, digits integer DEFAULT 6, algorithm text DEFAULT 'sha1')
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_hotp_code';
COMMENT ON FUNCTION mfa.hotp_code(text, bigint, integer, text) IS
'RFC 4226 HOTP code of a base32 secret at a counter: digits 6-8, algorithm sha1, sha256 or sha512';

CREATE FUNCTION mfa.totp_code(secret text, at timestamptz DEFAULT pg_catalog.clock_timestamp(),
                              digits integer DEFAULT 6, period integer DEFAULT 30, algorithm text DEFAULT 'sha1')
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_totp_code';
COMMENT ON FUNCTION mfa.totp_code(text, timestamptz, integer, integer, text) IS
'RFC 6238 TOTP code of a base32 secret at a time (default: the wall clock), 64-bit time';

CREATE FUNCTION mfa.generate_secret(bytes integer DEFAULT 20)
RETURNS text
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_generate_secret';
COMMENT ON FUNCTION mfa.generate_secret(integer) IS
'a new random TOTP secret from a CSPRNG, base32; 20 bytes (160 bits, RFC 4226) unless told otherwise (16-64)';

CREATE FUNCTION mfa.otpauth_uri(secret text, account text, issuer text DEFAULT NULL, digits integer DEFAULT 6,
                                period integer DEFAULT 30, algorithm text DEFAULT 'sha1')
RETURNS text
LANGUAGE c IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_otpauth_uri';
COMMENT ON FUNCTION mfa.otpauth_uri(text, text, text, integer, integer, text) IS
'otpauth://totp/ provisioning URI (Key URI format) with label and issuer percent-encoded per RFC 3986; NULL issuer: none';

-- ---------------------------------------------------------------------------------------------------------
-- Primitives: passwords

CREATE FUNCTION mfa.hash_password(password text)
RETURNS text
LANGUAGE c VOLATILE STRICT PARALLEL SAFE COST 10000
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_hash_password';
COMMENT ON FUNCTION mfa.hash_password(text) IS
'Argon2id PHC string of a password (1-1024 bytes) with a random salt, at the pg_mfa.argon2_* settings';

CREATE FUNCTION mfa.verify_password(password text, hash text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 10000
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_verify_password';
COMMENT ON FUNCTION mfa.verify_password(text, text) IS
'whether the password matches an Argon2id/Argon2i PHC hash (constant-time compare); cancellable';

CREATE FUNCTION mfa.password_needs_rehash(hash text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_password_needs_rehash';
COMMENT ON FUNCTION mfa.password_needs_rehash(text) IS
'whether a stored hash is weaker than the current pg_mfa.argon2_* settings (rehash at the next login)';

-- ---------------------------------------------------------------------------------------------------------
-- Primitives: QR codes

CREATE FUNCTION mfa.qr_svg(data text)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_qr_svg';
COMMENT ON FUNCTION mfa.qr_svg(text) IS
'QR code (level M, byte mode, 4-module quiet zone) of the text as a standalone SVG document';

CREATE FUNCTION mfa.qr_text(data text, invert boolean DEFAULT false)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_qr_text';
COMMENT ON FUNCTION mfa.qr_text(text, boolean) IS
'QR code of the text drawn with Unicode half blocks for a terminal (invert for dark-on-light terminals)';

-- ---------------------------------------------------------------------------------------------------------
-- Privileges: PUBLIC gets nothing.

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA mfa FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    mfa.base32_encode(bytea),
    mfa.base32_decode(text),
    mfa.hotp_code(text, bigint, integer, text),
    mfa.totp_code(text, timestamptz, integer, integer, text),
    mfa.generate_secret(integer),
    mfa.otpauth_uri(text, text, text, integer, integer, text),
    mfa.hash_password(text),
    mfa.verify_password(text, text),
    mfa.password_needs_rehash(text),
    mfa.qr_svg(text),
    mfa.qr_text(text, boolean)
TO mfa_client;
