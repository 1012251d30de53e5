# 003_failover_async.pl: failover to an asynchronous standby that has caught up (wait_for_catchup) before the primary dies.
# pg_mfa keeps every count (also of guesses rolled back), consumption and revocation made on the old
# primary. The scenarios are in lib/PgMfaFailover.pm.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaFailover;
use Test::More;

PgMfaFailover::run(sync => 0);

done_testing();
