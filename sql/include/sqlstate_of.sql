-- pg_temp.sqlstate_of runs a statement and returns 'ok' or "SQLSTATE: message", so one query can show
-- many bad inputs (and that the message never repeats the input). Suites include it with \i; pg_regress
-- runs them from the top directory.
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
