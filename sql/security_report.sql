-- security_report: mfa.security_report() checks the server's configuration for what would undo pg_mfa's
-- guarantees (statement and parameter logging, no preloading, no TLS, a fixed test clock, weak hashing).
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- One row per check, each with a status and, for anything but ok, advice.
SELECT check_name, status IN ('ok', 'info', 'warning') AS known_status,
       (status = 'ok') = (advice IS NULL) OR status = 'info' AS advice_when_needed
FROM mfa.security_report();
-- Preloading decides the throttle's check.
SELECT status = CASE WHEN mfa_internal._throttle_preloaded() THEN 'ok' ELSE 'warning' END AS throttle_check_matches
FROM mfa.security_report() WHERE check_name = 'throttle_preloaded';

-- Each setting that would write secrets to the log turns its check into a warning.
CREATE FUNCTION pg_temp.status(name text) RETURNS text LANGUAGE sql AS $$
    SELECT status FROM mfa.security_report() WHERE check_name = name
$$;
-- No role has rights in this database yet.
SELECT status, detail FROM mfa.security_report() WHERE check_name = 'rights_other_databases';
SELECT pg_temp.status('log_statement') AS log_statement_default,
       pg_temp.status('log_min_duration_statement') AS duration_default,
       pg_temp.status('log_parameters') AS parameters_default,
       pg_temp.status('clock_override') AS clock_default,
       pg_temp.status('password_hashing') AS hashing_default;
SET log_statement = 'all';
SELECT pg_temp.status('log_statement') AS log_statement_all, pg_temp.status('log_parameters') AS parameters_with_log_all;
RESET log_statement;
SET log_statement = 'mod';
SELECT pg_temp.status('log_statement') AS log_statement_mod;
RESET log_statement;
SET log_min_duration_statement = 0;
SELECT pg_temp.status('log_min_duration_statement') AS duration_0;
RESET log_min_duration_statement;
SET log_min_duration_sample = 100;
SELECT pg_temp.status('log_min_duration_statement') AS duration_sample;
RESET log_min_duration_sample;
SET log_parameter_max_length_on_error = 64;
SELECT pg_temp.status('log_parameters') AS parameters_on_error;
RESET log_parameter_max_length_on_error;
SET pg_mfa.clock_override = 2000000000;
SELECT pg_temp.status('clock_override') AS clock_set;
RESET pg_mfa.clock_override;
SET pg_mfa.argon2_memory = '8MB';
SELECT pg_temp.status('password_hashing') AS hashing_8mb;
RESET pg_mfa.argon2_memory;
SET pg_mfa.argon2_iterations = 1;
SELECT pg_temp.status('password_hashing') AS hashing_t1;
RESET pg_mfa.argon2_iterations;
SET log_transaction_sample_rate = 0.01;
SELECT pg_temp.status('log_transaction_sample_rate') AS transaction_sample;
RESET log_transaction_sample_rate;
-- Settings of a role or a database (the application's sessions, not this one) are checked too.
CREATE ROLE regress_report_logged;
SELECT pg_temp.status('role_and_database_settings') AS role_settings_default;
ALTER ROLE regress_report_logged SET log_statement = 'all';
SELECT pg_temp.status('role_and_database_settings') AS role_log_statement_all,
       (SELECT detail FROM mfa.security_report() WHERE check_name = 'role_and_database_settings') AS detail;
ALTER ROLE regress_report_logged RESET log_statement;
ALTER ROLE regress_report_logged SET pg_mfa.clock_override = '2000000000';
SELECT pg_temp.status('role_and_database_settings') AS role_clock_override;
DROP ROLE regress_report_logged;
-- The advice names the setting to change.
SET log_min_duration_statement = 0;
SELECT advice FROM mfa.security_report() WHERE check_name = 'log_min_duration_statement';
RESET log_min_duration_statement;

-- For administrators only.
CREATE ROLE regress_report_app;
SELECT mfa.grant_client('regress_report_app');
CREATE ROLE regress_report_admin;
SELECT mfa.grant_admin('regress_report_admin');
SET ROLE regress_report_app;
SELECT pg_temp.sqlstate_of('SELECT count(*) FROM mfa.security_report()') AS client;
SET ROLE regress_report_admin;
SELECT pg_temp.sqlstate_of('SELECT count(*) FROM mfa.security_report()') AS admin;
RESET ROLE;

-- Tenants: a role with pg_mfa rights here that may connect to another database of the cluster is a warning
-- (its rights stay here, but it should not reach the other tenants at all). Which databases PUBLIC may
-- connect to depends on the server, so a database of this test's own shows the check at work.
CREATE DATABASE regress_report_other TEMPLATE template0;
REVOKE CONNECT ON DATABASE regress_report_other FROM PUBLIC;
SELECT detail LIKE '%regress_report_other%' AS names_closed_database
FROM mfa.security_report() WHERE check_name = 'rights_other_databases';
GRANT CONNECT ON DATABASE regress_report_other TO regress_report_app;
SELECT status, detail ~ 'regress_report_app \([^)]*regress_report_other' AS names_role_and_database,
       detail ~ 'regress_report_admin \([^)]*regress_report_other' AS names_other_role, advice
FROM mfa.security_report() WHERE check_name = 'rights_other_databases';
DROP DATABASE regress_report_other;
-- Without rights here, nobody to warn about.
SELECT mfa.revoke_rights('regress_report_app'), mfa.revoke_rights('regress_report_admin');
SELECT status, detail FROM mfa.security_report() WHERE check_name = 'rights_other_databases';
DROP ROLE regress_report_app;
DROP ROLE regress_report_admin;

-- Realm policy weaker than the defaults is a warning naming the realm and each weaker column.
SELECT status FROM mfa.security_report() WHERE check_name = 'realm_policy';
SELECT mfa.create_realm('lenient');
UPDATE mfa.realms SET totp_window = 10, code_lockout_threshold = 100, code_disable_threshold = 1000,
                      password_lockout_threshold = 1000, lockout_delay = '1 second', lockout_max_delay = '1 minute',
                      mfa_token_max_failures = 100, mfa_token_lifetime = '1 hour', max_totp_devices = 20,
                      enrollment_lifetime = '1 day'
WHERE name = 'lenient';
SELECT status, detail, advice FROM mfa.security_report() WHERE check_name = 'realm_policy';
-- Stricter than the defaults is fine.
UPDATE mfa.realms SET totp_window = 0, code_lockout_threshold = 3, code_disable_threshold = 50,
                      password_lockout_threshold = 5, lockout_delay = '1 minute', lockout_max_delay = '1 day',
                      mfa_token_max_failures = 3, mfa_token_lifetime = '2 minutes', max_totp_devices = 2,
                      enrollment_lifetime = '5 minutes'
WHERE name = 'lenient';
SELECT status FROM mfa.security_report() WHERE check_name = 'realm_policy';

-- auto_explain or pgaudit loaded for a role only (session_preload_libraries): this session cannot see their
-- settings, so the setting itself is the warning.
CREATE ROLE regress_report_logged_app;
ALTER ROLE regress_report_logged_app SET session_preload_libraries = 'auto_explain';
SELECT status, detail ~ 'session_preload_libraries=auto_explain \(role regress_report_logged_app\)' AS names_it
FROM mfa.security_report() WHERE check_name = 'role_and_database_settings';
DROP ROLE regress_report_logged_app;

DROP EXTENSION pg_mfa;
