# 005_crash.pl: the primary crashes (immediate shutdown: no shutdown checkpoint, crash recovery at the
# next start) after wrong codes and passwords that were each rolled back; the counts survive the crash.
# Also measures the WAL a failed guess costs (pg_current_wal_insert_lsn before and after N guesses),
# reported as a note: "WAL per failed guess: ...".
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaTap;
use Test::More;

my $pw = lit($PgMfaTap::PASSWORD);
my $node = new_primary('primary');
my $guesser = enroll($node, 'code_guesser', 'codes');
my $control = enroll($node, 'code_control', 'codes');
my $tokener = enroll($node, 'token_guesser', 'tokens');
my $kli = kli_token($node, $tokener);
my $pw_uid = add_user($node, 'pw_guesser');
add_user($node, 'pw_control');

# WAL per failed guess, in realm 'wal' (thresholds out of reach: every guess is evaluated and counted).
sql($node, "UPDATE mfa.realms SET password_lockout_threshold = 1000 WHERE name = 'wal'", 'admin');
my $meter = enroll($node, 'wal_meter', 'wal');
my $code_guess = "SELECT mfa.totp_verify($meter->{cid}, " . lit($meter->{wrong}) . ')';
my $pw_guess = "SELECT result FROM mfa.authenticate_password('wal_meter', 'a wrong guess', 'wal')";

sub wal_bytes
{
	my ($script) = @_;
	my $before = sql($node, 'SELECT pg_current_wal_insert_lsn()', 'postgres');
	sql($node, $script);
	return sql($node, "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$before')", 'postgres');
}
rolled_back($node, $code_guess, 5);    # warm-up: the first change of a page after a checkpoint logs it whole
rolled_back($node, $pw_guess, 2);
my $n = 40;
my $code_rb = wal_bytes(join '', map { "BEGIN; $code_guess; ROLLBACK;\n" } 1 .. $n) / $n;
my $code_c = wal_bytes(join '', map { "$code_guess;\n" } 1 .. $n) / $n;
my $n_pw = 20;
my $pw_rb = wal_bytes(join '', map { "BEGIN; $pw_guess; ROLLBACK;\n" } 1 .. $n_pw) / $n_pw;
is(lockouts($node, $meter->{uid}), ($n + $n + 5) . '|false|' . ($n_pw + 2) . '|false',
	"every measured guess was counted (codes: $n + $n + 5, passwords: $n_pw + 2)");
diag(sprintf('WAL per failed guess: %.0f bytes for a wrong code rolled back (totp_verify, %d guesses), '
	  . '%.0f bytes committed; %.0f bytes for a wrong password rolled back (authenticate_password, %d guesses)',
	$code_rb, $n, $code_c, $pw_rb, $n_pw));

# The attack, then the crash.
rolled_back($node, "SELECT mfa.totp_verify($guesser->{cid}, " . lit($guesser->{wrong}) . ')', 5);
rolled_back($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', ' . lit($tokener->{wrong}) . ')', 3);
rolled_back($node, "SELECT result FROM mfa.authenticate_password('pw_guesser', 'a wrong guess')", 10);
$node->stop('immediate');
$node->start;

is(lockouts($node, $guesser->{uid}), '5|true|0|false',
	'after the crash: mfa.user_lockouts shows the 5 rolled-back wrong codes, locked');
is(sql($node, "SELECT mfa.totp_verify($guesser->{cid}, " . lit($guesser->{code0}) . ')'), 'f',
	"after the crash: the locked user's right code is refused");
is(sql($node, "SELECT mfa.totp_verify($control->{cid}, " . lit($control->{code0}) . ')'), 't',
	'after the crash: control: the right code of a user without guesses is accepted');
is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', ' . lit($tokener->{code0}) . ')'), 'failed',
	'after the crash: a kli_ token exhausted by 3 rolled-back wrong codes gives no full_login with the right code');
my $kli2 = kli_token($node, $tokener);
is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli2) . ', ' . lit($tokener->{code1}) . ')'),
	'full_login', 'after the crash: control: a new kli_ token of the same user logs in');
is(lockouts($node, $pw_uid), '0|false|10|true',
	'after the crash: mfa.user_lockouts shows the 10 rolled-back wrong passwords, locked');
is(sql($node, "SELECT result FROM mfa.authenticate_password('pw_guesser', $pw)"), 'failed',
	"after the crash: the locked user's right password is refused");
is(sql($node, "SELECT result FROM mfa.authenticate_password('pw_control', $pw)"), 'full_login',
	'after the crash: control: the right password of a user without guesses logs in');

$node->stop;
done_testing();
