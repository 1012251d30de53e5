-- qr: QR codes as SVG documents and as terminal text (mfa.qr_svg, mfa.qr_text).
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- SVG: one standalone document, a background rectangle and a single path, ending in a newline. The
-- size is the symbol (21 modules for version 1) plus a 4-module quiet zone on each side.
SELECT mfa.qr_svg('hello') AS svg \gset
SELECT left(:'svg', 4) = '<svg' AS starts_with_svg,
       right(:'svg', 7) = E'</svg>\n' AS ends_with_svg_newline,
       (SELECT count(*) FROM regexp_matches(:'svg', '<svg', 'g')) AS svg_elements,
       (SELECT count(*) FROM regexp_matches(:'svg', '<path', 'g')) AS paths,
       (SELECT count(*) FROM regexp_matches(:'svg', '<rect', 'g')) AS rects,
       :'svg' LIKE '<svg xmlns="http://www.w3.org/2000/svg" %' AS has_namespace,
       substring(:'svg' FROM 'viewBox="([^"]*)"') AS view_box,
       substring(:'svg' FROM ' width="([0-9]+)"') AS width,
       :'svg' ~ ' d="(M[0-9]+ [0-9]+h[0-9]+v1h-[0-9]+z)+"' AS path_shape,
       position(E'\n' IN :'svg') = length(:'svg') AS one_line;
-- Deterministic: the same data gives the same document.
SELECT mfa.qr_svg('hello') = mfa.qr_svg('hello') AS deterministic,
       mfa.qr_svg('hello') <> mfa.qr_svg('hellp') AS data_matters;
-- Every path run lies inside the symbol: x and y from 4 to 24, runs ending by x = 25.
SELECT bool_and(m[1]::int BETWEEN 4 AND 24 AND m[2]::int BETWEEN 4 AND 24
                AND m[1]::int + m[3]::int <= 25 AND m[3]::int >= 1) AS runs_inside_symbol,
       bool_and(m[3] = m[4]) AS runs_closed
FROM regexp_matches(mfa.qr_svg('hello'), 'M([0-9]+) ([0-9]+)h([0-9]+)v1h-([0-9]+)z', 'g') AS m;
-- The three finder patterns' top rows: a run of 7 dark modules at the symbol's top-left, top-right and
-- bottom-left corners (fixed by ISO/IEC 18004, whatever the mask).
SELECT :'svg' LIKE '%"M4 4h7v1h-7z%' AS top_left,
       :'svg' LIKE '%M18 4h7v1h-7z%' AS top_right,
       :'svg' LIKE '%M4 18h7v1h-7z%' AS bottom_left;

-- The version grows with the data, at error correction level M in byte mode: 14 bytes fit version 1,
-- 15 need version 2, and 2331 bytes (the most level M holds) need version 40 (177 modules).
SELECT v.bytes, substring(mfa.qr_svg(repeat('x', v.bytes)) FROM 'viewBox="0 0 ([0-9]+) ') AS size_with_quiet_zone
FROM (VALUES (1), (14), (15), (26), (100), (1000), (2331)) AS v(bytes)
ORDER BY v.bytes;
-- Non-ASCII text is encoded as UTF-8 bytes: 7 two-byte characters are 14 bytes (version 1), 8 are 16.
SELECT substring(mfa.qr_svg(repeat('ü', 7)) FROM 'viewBox="0 0 ([0-9]+) ') AS umlauts_7,
       substring(mfa.qr_svg(repeat('ü', 8)) FROM 'viewBox="0 0 ([0-9]+) ') AS umlauts_8;
-- A provisioning URI, the intended use.
SELECT substring(mfa.qr_svg(mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice@example.com', 'ACME Co'))
                 FROM 'viewBox="0 0 ([0-9]+) ') AS uri_size;

-- Text: Unicode half blocks, two module rows per line, the quiet zone included: 29 columns and
-- ceil(29 / 2) = 15 lines for version 1, every line ending in a newline.
SELECT mfa.qr_text('hello') AS txt, mfa.qr_text('hello', true) AS inv \gset
SELECT array_length(string_to_array(rtrim(:'txt', E'\n'), E'\n'), 1) AS lines,
       right(:'txt', 1) = E'\n' AS ends_with_newline,
       (SELECT array_agg(DISTINCT length(l)) FROM unnest(string_to_array(rtrim(:'txt', E'\n'), E'\n')) AS l) AS line_lengths,
       :'txt' ~ E'^[█▀▄ \n]+$' AS only_blocks_and_spaces,
       length(:'txt') AS characters,
       octet_length(:'txt') > length(:'txt') AS multibyte;
-- Not inverted, light modules (and the quiet zone) are ink: the first and last two lines are all full
-- blocks. Inverted, they are blank, and every cell is the complement of the other drawing's.
SELECT split_part(:'txt', E'\n', 1) = repeat('█', 29) AS first_line_full,
       split_part(:'txt', E'\n', 15) = repeat('█', 29) AS last_line_full,
       split_part(:'inv', E'\n', 1) = repeat(' ', 29) AS inverted_first_line_blank,
       split_part(:'inv', E'\n', 15) = repeat(' ', 29) AS inverted_last_line_blank,
       :'txt' <> :'inv' AS invert_differs,
       translate(:'txt', '█▀▄ ', ' ▄▀█') = :'inv' AS inverted_is_complement,
       mfa.qr_text('hello', false) = :'txt' AS invert_defaults_to_false;
-- The text and the SVG draw the same symbol: rebuild the module rows from the text and compare them with
-- the SVG's dark runs.
WITH cells AS (
    SELECT y, x, substr(line, x + 1, 1) AS c
    FROM unnest(string_to_array(rtrim(:'txt', E'\n'), E'\n')) WITH ORDINALITY AS l(line, y1),
         LATERAL (SELECT y1 - 1 AS y) AS yy,
         generate_series(0, 28) AS x
), text_dark AS (
    -- Not inverted, a dark module is a blank half: top is dark for ' ' and '▄', bottom for ' ' and '▀'.
    SELECT x, 2 * y AS row FROM cells WHERE c IN (' ', '▄')
    UNION ALL
    SELECT x, 2 * y + 1 FROM cells WHERE c IN (' ', '▀') AND 2 * y + 1 < 29
), svg_dark AS (
    SELECT x, m[2]::int AS row
    FROM regexp_matches(:'svg', 'M([0-9]+) ([0-9]+)h([0-9]+)v1h-[0-9]+z', 'g') AS m,
         generate_series(m[1]::int, m[1]::int + m[3]::int - 1) AS x
)
SELECT (SELECT count(*) FROM svg_dark) > 0 AS has_dark_modules,
       NOT EXISTS (SELECT x, row FROM text_dark EXCEPT SELECT x, row FROM svg_dark)
       AND NOT EXISTS (SELECT x, row FROM svg_dark EXCEPT SELECT x, row FROM text_dark) AS same_symbol;

-- Too much data for any QR code at level M: 54000. The boundary is exact.
SELECT v.bytes, pg_temp.sqlstate_of(format('SELECT mfa.qr_svg(repeat(%L, %s))', 'x', v.bytes)) AS svg,
       pg_temp.sqlstate_of(format('SELECT mfa.qr_text(repeat(%L, %s))', 'x', v.bytes)) AS text
FROM (VALUES (2331), (2332), (3000), (4096), (4097), (100000)) AS v(bytes)
ORDER BY v.bytes;
\set VERBOSITY sqlstate
SELECT mfa.qr_svg(repeat('x', 3000));
\set VERBOSITY default
SELECT mfa.qr_text(repeat('x', 3000));
\set VERBOSITY terse

-- Empty data is bad input or a (valid, empty) QR code, never an internal error (class XX).
SELECT left(pg_temp.sqlstate_of($$SELECT mfa.qr_svg('')$$), 2) <> 'XX' AS svg_empty_not_internal_error,
       left(pg_temp.sqlstate_of($$SELECT mfa.qr_text('')$$), 2) <> 'XX' AS text_empty_not_internal_error;

-- STRICT: NULL in, NULL out.
SELECT mfa.qr_svg(NULL) IS NULL AS svg_null, mfa.qr_text(NULL) IS NULL AS text_null,
       mfa.qr_text('hello', NULL) IS NULL AS text_null_invert;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
