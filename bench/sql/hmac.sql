-- floor: one pgcrypto hmac() of a time step with a 20-byte key
\set step random(1, 1000000000)
SELECT public.hmac(int8send(:step::bigint), '\x3132333435363738393031323334353637383930'::bytea, 'sha1');
