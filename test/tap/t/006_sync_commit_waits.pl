# 006_sync_commit_waits.pl: with a synchronous standby, pg_mfa's commits wait for it whatever
# synchronous_commit the application set, so an acknowledged consumption or revocation cannot be lost or
# ignored by a failover. Shown without relying on timing luck, by holding the standby back:
#   - revocations wait for remote_apply: with the standby's replay paused, a logout or revoke_sessions
#     must not return; if it does, the standby must already refuse the session (it cannot: it has not
#     replayed it). Once replay resumes, it returns and the standby refuses the session.
#   - consumptions wait for the standby: with the standby disconnected, complete_mfa with
#     synchronous_commit = local must not return its full_login. If it returns anyway, the primary dies
#     there and then, and the promoted standby must still refuse a second login with the same token or
#     code (it cannot: it never received the consumption). Otherwise the standby is reconnected, the
#     login returns, and the failover follows.
# Each wait is watched for 2 seconds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaTap;
use Test::More;

my $watch = 2;    # seconds a call is watched while the standby is held back
my $primary = new_primary('primary');
add_user($primary, 'sess_user');
my %s = map { $_ => session_token($primary, 'sess_user') } qw(local on keep);
my $revoked_uid = add_user($primary, 'revoked_user');
my $s_revoked = session_token($primary, 'revoked_user');
my $consumer = enroll($primary, 'consumer', 'codes');
my $kli = kli_token($primary, $consumer);
my $control = enroll($primary, 'control', 'codes');
my $standby = new_standby($primary, 'standby');
make_sync($primary, $standby);
$primary->wait_for_catchup($standby);

# Revocations, with the standby's replay paused.
my @revocations = (
	[ 'logout, synchronous_commit = local', 'SET synchronous_commit = local; SELECT mfa.logout(' . lit($s{local}) . ');',
		$s{local}, 't' ],
	[ 'logout, synchronous_commit = on', 'SELECT mfa.logout(' . lit($s{on}) . ');', $s{on}, 't' ],
	[ 'revoke_sessions, synchronous_commit = local',
		"SET synchronous_commit = local; SELECT mfa.revoke_sessions($revoked_uid);", $s_revoked, '1' ],
);
for my $r (@revocations)
{
	my ($what, $stmt, $token, $expected) = @$r;
	sql($standby, 'SELECT pg_wal_replay_pause()', 'postgres');
	$standby->poll_query_until('postgres', "SELECT pg_get_wal_replay_pause_state() = 'paused'")
	  or die "replay did not pause\n";
	my $bg = start_bg($primary, $stmt);
	my $returned = bg_finished_within($bg, $watch);
	my $rows = $returned ? validate_rows($standby, $token) : 'not asked';
	ok(!$returned || $rows eq '0',
		"$what: does not return while the sync standby has not applied it, or the standby refuses the session already")
	  or diag("$what returned with the standby's replay paused; the standby gives $rows row(s) for the session");
	sql($standby, 'SELECT pg_wal_replay_resume()', 'postgres');
	is(bg_finish($bg, 60), $expected, "$what: returns once the standby has applied it");
	is(validate_rows($standby, $s{keep}) . '|' . validate_rows($standby, $token), '1|0',
		"$what: the standby refuses the session, and validates the one never logged out");
}

# Consumption, with the standby disconnected.
$standby->append_conf('postgresql.conf', "primary_conninfo = ''");
$standby->reload;
$primary->poll_query_until('postgres', 'SELECT count(*) FROM pg_stat_replication', '0')
  or die "the standby did not disconnect\n";
my $bg = start_bg($primary,
	'SET synchronous_commit = local; SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', '
	  . lit($consumer->{code0}) . ');');
my $returned = bg_finished_within($bg, $watch);
note('complete_mfa with synchronous_commit = local ' . ($returned ? 'returned' : 'waited')
	  . ' while the sync standby was disconnected');
if (!$returned)
{
	$standby->append_conf('postgresql.conf', "primary_conninfo = '" . $primary->connstr . "'");
	$standby->reload;
}
is(bg_finish($bg, 60), 'full_login', 'complete_mfa, synchronous_commit = local: full_login');
failover($primary, $standby);

# The code step (tried with a new token) first, then the token (tried with the other good code): in this
# order neither check can pass because the other one consumed something.
my $kli2 = kli_token($standby, $consumer);
is(sql($standby, 'SELECT result FROM mfa.complete_mfa(' . lit($kli2) . ', ' . lit($consumer->{code0}) . ')'),
	'failed', 'promoted: the code step that logged in (synchronous_commit = local) is refused with a new kli_ token');
is(sql($standby, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', ' . lit($consumer->{code1}) . ')'),
	'failed', 'promoted: the kli_ token that logged in (synchronous_commit = local) gives no second full_login');
my $kli3 = kli_token($standby, $control);
is(sql($standby, 'SELECT result FROM mfa.complete_mfa(' . lit($kli3) . ', ' . lit($control->{code0}) . ')'),
	'full_login', 'promoted: control: a user who did not log in on the old primary logs in');
is(validate_rows($standby, $s{keep}), '1', 'promoted: control: the session never logged out validates');

$standby->stop;
done_testing();
