-- alternative: pgcrypto crypt() verification of a bcrypt hash read from a table
\set u random(1, 100)
SELECT public.crypt(:password, b.hash) = b.hash FROM bench.bcrypt AS b WHERE b.id = :u;
