# 002_failover_sync.pl: failover to a synchronous standby, with no wait for it before the primary dies.
# pg_mfa keeps every count (also of guesses rolled back), consumption and revocation made on the old
# primary. The scenarios are in lib/PgMfaFailover.pm.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaFailover;
use Test::More;

PgMfaFailover::run(sync => 1);

done_testing();
