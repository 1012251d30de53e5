# 004_base_backup.pl: a base backup (pg_basebackup) taken in the middle of an attack.
#
# Before the backup: wrong codes and passwords, each in a transaction rolled back, against four users.
# After it, on the primary: the attack on one user goes on (3 wrong codes before the backup, 2 after: the
# fifth locks it), another user is forgiven by reset_lockout, a third by a successful login. Then:
#   - the backup restored on its own (recovered to its end, no streaming) has the counts made before it,
#     and none made after;
#   - a streaming standby made from the same backup, caught up and promoted after the primary dies, has
#     the counts made after the backup too, and does not bring back the counts forgiven after it.
# (The steps are sequential, so the "middle" of the attack is a point between guesses.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaTap;
use Test::More;

my $pw = lit($PgMfaTap::PASSWORD);
my $primary = new_primary('primary');
my $going_on = enroll($primary, 'attack_goes_on', 'codes');
my $reset = enroll($primary, 'reset_after_backup', 'codes');
my $success = enroll($primary, 'success_after_backup', 'codes');
my $pw_uid = add_user($primary, 'pw_guesser');

sub wrong_codes
{
	my ($node, $user, $n) = @_;
	rolled_back($node, "SELECT mfa.totp_verify($user->{cid}, " . lit($user->{wrong}) . ')', $n);
}

sub verify
{
	my ($node, $user, $code) = @_;
	return sql($node, "SELECT mfa.totp_verify($user->{cid}, " . lit($user->{$code}) . ')');
}

# Before the backup.
wrong_codes($primary, $going_on, 3);
wrong_codes($primary, $reset, 5);
wrong_codes($primary, $success, 4);
rolled_back($primary, "SELECT result FROM mfa.authenticate_password('pw_guesser', 'a wrong guess')", 10);

$primary->backup('mid_attack');

# After the backup, on the primary.
wrong_codes($primary, $going_on, 2);
sql($primary, "SELECT mfa.reset_lockout($reset->{uid})", 'admin');
is(verify($primary, $success, 'code0'), 't', 'after the backup, on the primary: a successful code (4 failures before it)');

# The backup restored on its own.
my $restored = PostgreSQL::Test::Cluster->new('restored');
$restored->init_from_backup($primary, 'mid_attack');
$restored->start;
$restored->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()') or die "restore did not end recovery\n";
is(lockouts($restored, $going_on->{uid}), '3|false|0|false',
	'restored backup: the 3 rolled-back wrong codes made before the backup are in mfa.user_lockouts, and not the 2 after');
is(lockouts($restored, $pw_uid), '0|false|10|true',
	'restored backup: the 10 rolled-back wrong passwords made before the backup are in mfa.user_lockouts');
is(sql($restored, "SELECT result FROM mfa.authenticate_password('pw_guesser', $pw)"), 'failed',
	"restored backup: that user's right password is refused");
is(lockouts($restored, $reset->{uid}), '5|true|0|false',
	'restored backup: a user reset only after the backup still has the 5 wrong codes made before it');
is(verify($restored, $reset, 'code0'), 'f', "restored backup: that user's right code is refused");
is(lockouts($restored, $success->{uid}), '4|false|0|false',
	'restored backup: a user who logged in only after the backup still has the 4 wrong codes made before it');
$restored->stop;

# A streaming standby made from the same backup: it replays what the primary did after the backup.
my $standby = new_standby($primary, 'standby', 'mid_attack');
$primary->wait_for_catchup($standby);
failover($primary, $standby);
is(lockouts($standby, $going_on->{uid}), '5|true|0|false',
	'standby from the backup, promoted: all 5 rolled-back wrong codes (3 before the backup, 2 after) are counted, locked');
is(verify($standby, $going_on, 'code0'), 'f', "standby from the backup, promoted: that user's right code is refused");
is(lockouts($standby, $pw_uid), '0|false|10|true',
	'standby from the backup, promoted: the 10 rolled-back wrong passwords are counted');
is(sql($standby, "SELECT result FROM mfa.authenticate_password('pw_guesser', $pw)"), 'failed',
	"standby from the backup, promoted: that user's right password is refused");
ok(forgiven(lockouts($standby, $reset->{uid})),
	'standby from the backup, promoted: the count forgiven by reset_lockout after the backup is not brought back');
is(verify($standby, $reset, 'code0'), 't',
	'standby from the backup, promoted: the user reset after the backup logs in with the right code');
ok(forgiven(lockouts($standby, $success->{uid})),
	'standby from the backup, promoted: the count forgiven by a success after the backup is not brought back');
wrong_codes($standby, $success, 1);
is(verify($standby, $success, 'code1'), 't',
	'standby from the backup, promoted: one more wrong code and that user is not locked (4 + 1 would be)');
$standby->stop;

done_testing();
