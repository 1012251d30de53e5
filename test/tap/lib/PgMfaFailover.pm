# PgMfaFailover.pm: the failover suite that 002_failover_sync.pl and 003_failover_async.pl run, one with a
# synchronous standby and no wait before the failover, the other with an asynchronous one that has
# caught up (wait_for_catchup) first.
#
# On the primary, in this order:
#   - 5 wrong codes (totp_verify), each in a transaction rolled back: the user is locked (threshold 5);
#   - 3 wrong codes on one kli_ token (complete_mfa), rolled back: the token is dead (3 per token);
#   - 10 wrong passwords, rolled back: the user is locked (threshold 10);
#   - 20 wrong passwords from one client for a username no one has, rolled back: the client's ceiling
#     across users (credential stuffing) is reached;
#   - a user driven to the ceiling (3 rolled-back wrong codes disable its device), then reset_lockout;
#   - revocations: logout (synchronous_commit as set, then = local), revoke_sessions and set_password
#     (= local); with a synchronous standby, each logged-out session is checked on the standby at once;
#   - last, a kli_ token and a code that log in, with synchronous_commit = local.
# Then the primary dies (immediate shutdown) and the standby is promoted. On the promoted node every
# count, consumption and revocation must hold, and control users (no guesses) must still log in, so a
# refusal is the promise kept and not a broken node.
package PgMfaFailover;

use strict;
use warnings;

use PgMfaTap;
use Test::More;

sub run
{
	my (%opts) = @_;
	my $sync = $opts{sync};
	my $mode = $sync ? 'sync standby' : 'async standby';
	my $pw = lit($PgMfaTap::PASSWORD);
	my $new_pw = lit($PgMfaTap::PASSWORD . '-changed');

	# Set-up (committed, replicated before anything is tested).
	my $primary = new_primary('primary');
	my $guesser = enroll($primary, 'code_guesser', 'codes');
	my $control = enroll($primary, 'code_control', 'codes');
	my $tokener = enroll($primary, 'token_guesser', 'tokens');
	my $pw_guesser = add_user($primary, 'pw_guesser');
	add_user($primary, 'pw_control');
	add_user($primary, 'stuffed');
	my $ceiling = enroll($primary, 'ceiling_user', 'ceiling');
	my $sess_uid = add_user($primary, 'sess_user');
	my %s = map { $_ => session_token($primary, 'sess_user') } qw(on local keep);
	my $revoked_uid = add_user($primary, 'revoked_user');
	my $s_revoked = session_token($primary, 'revoked_user');
	my $changer = enroll($primary, 'pw_changer', 'codes');
	my $kli_changer = kli_token($primary, $changer);
	my $consumer = enroll($primary, 'consumer', 'codes');
	my $kli_consumer = kli_token($primary, $consumer);
	my $consumer_control = enroll($primary, 'consumer_control', 'codes');
	my $kli_tokener = kli_token($primary, $tokener);

	my $standby = new_standby($primary, 'standby');
	make_sync($primary, $standby) if $sync;
	$primary->wait_for_catchup($standby);

	# The attack, on the primary.
	rolled_back($primary, "SELECT mfa.totp_verify($guesser->{cid}, " . lit($guesser->{wrong}) . ')', 5);
	is(lockouts($primary, $guesser->{uid}), '5|true|0|false',
		"$mode, primary: mfa.user_lockouts shows 5 rolled-back wrong codes, locked");
	rolled_back($primary,
		'SELECT result FROM mfa.complete_mfa(' . lit($kli_tokener) . ', ' . lit($tokener->{wrong}) . ')', 3);
	rolled_back($primary, "SELECT result FROM mfa.authenticate_password('pw_guesser', 'a wrong guess')", 10);
	is(lockouts($primary, $pw_guesser), '0|false|10|true',
		"$mode, primary: mfa.user_lockouts shows 10 rolled-back wrong passwords, locked");
	rolled_back($primary,
		"SELECT result FROM mfa.authenticate_password('nobody', 'a wrong guess', client => 'stuffer')", 20);
	rolled_back($primary, "SELECT mfa.totp_verify($ceiling->{cid}, " . lit($ceiling->{wrong}) . ')', 3);
	is(sql($primary, "SELECT mfa.totp_verify($ceiling->{cid}, " . lit($ceiling->{code0}) . ')'), 'f',
		"$mode, primary: at the ceiling (3 rolled-back wrong codes) the right code is refused");
	sql($primary, "SELECT mfa.reset_lockout($ceiling->{uid})", 'admin');

	# Revocations. With a synchronous standby a revocation is there once its transaction has committed.
	is(sql($primary, 'SELECT mfa.logout(' . lit($s{on}) . ')'), 't', "$mode, primary: logout");
	is(validate_rows($standby, $s{on}), '0',
		"$mode: right after logout committed, the standby refuses the session") if $sync;
	is(sql($primary, 'SET synchronous_commit = local; SELECT mfa.logout(' . lit($s{local}) . ')'), 't',
		"$mode, primary: logout with synchronous_commit = local");
	is(validate_rows($standby, $s{local}), '0',
		"$mode: right after logout (synchronous_commit = local) committed, the standby refuses the session")
	  if $sync;
	is(sql($primary, "SET synchronous_commit = local; SELECT mfa.revoke_sessions($revoked_uid)"), '1',
		"$mode, primary: revoke_sessions with synchronous_commit = local");
	is(validate_rows($standby, $s_revoked), '0',
		"$mode: right after revoke_sessions (synchronous_commit = local) committed, the standby refuses the session")
	  if $sync;
	sql($primary, "SET synchronous_commit = local; SELECT mfa.set_password($changer->{uid}, $new_pw)");

	if (!$sync)
	{
		$primary->wait_for_catchup($standby);
		is(validate_rows($standby, $s{$_}), '0', "$mode, caught up: the standby refuses the session logged out ($_)")
		  for qw(on local);
		is(validate_rows($standby, $s_revoked), '0', "$mode, caught up: the standby refuses the revoked session");
	}
	is(validate_rows($standby, $s{keep}), '1', "$mode: a session never logged out validates on the standby");

	# Last: a login with synchronous_commit = local consumes a kli_ token and a code step.
	is(sql($primary, 'SET synchronous_commit = local; SELECT result FROM mfa.complete_mfa(' . lit($kli_consumer)
		  . ', ' . lit($consumer->{code0}) . ')'), 'full_login',
		"$mode, primary: kli_ token and code log in (synchronous_commit = local)");

	$primary->wait_for_catchup($standby) if !$sync;
	failover($primary, $standby);
	my $node = $standby;
	my $after = "$mode, promoted";

	# Rolled-back wrong codes.
	is(lockouts($node, $guesser->{uid}), '5|true|0|false',
		"$after: mfa.user_lockouts shows the 5 rolled-back wrong codes, locked");
	is(sql($node, "SELECT mfa.totp_verify($guesser->{cid}, " . lit($guesser->{code0}) . ')'), 'f',
		"$after: the locked user's right code is refused by totp_verify");
	my $kli = kli_token($node, $guesser);
	is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', ' . lit($guesser->{code1}) . ')'),
		'failed', "$after: the locked user's right code is refused by complete_mfa");
	is(sql($node, "SELECT mfa.totp_verify($control->{cid}, " . lit($control->{code0}) . ')'), 't',
		"$after: control: the right code of a user without guesses is accepted");

	# The exhausted kli_ token.
	is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli_tokener) . ', ' . lit($tokener->{code0}) . ')'),
		'failed', "$after: a kli_ token exhausted by 3 rolled-back wrong codes gives no full_login with the right code");
	$kli = kli_token($node, $tokener);
	is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', ' . lit($tokener->{code1}) . ')'),
		'full_login', "$after: control: a new kli_ token of the same user logs in");

	# Rolled-back wrong passwords.
	is(lockouts($node, $pw_guesser), '0|false|10|true',
		"$after: mfa.user_lockouts shows the 10 rolled-back wrong passwords, locked");
	is(sql($node, "SELECT result FROM mfa.authenticate_password('pw_guesser', $pw)"), 'failed',
		"$after: the locked user's right password is refused");
	is(sql($node, "SELECT result FROM mfa.authenticate_password('pw_control', $pw)"), 'full_login',
		"$after: control: the right password of a user without guesses logs in");

	# The client's ceiling, reached with rolled-back guesses.
	is(sql($node, "SELECT result FROM mfa.authenticate_password('stuffed', $pw, client => 'stuffer')"), 'failed',
		"$after: the client past its ceiling (20 rolled-back guesses) is refused, even with a right password");
	is(sql($node, "SELECT result FROM mfa.authenticate_password('stuffed', $pw, client => 'elsewhere')"), 'full_login',
		"$after: control: the same user and password from another client log in");

	# The reset after the ceiling.
	ok(forgiven(lockouts($node, $ceiling->{uid})),
		"$after: the user reset after the ceiling has no failures in mfa.user_lockouts");
	is(sql($node, "SELECT state FROM mfa.credentials WHERE credential_id = $ceiling->{cid}", 'admin'), 'active',
		"$after: the device re-enabled by reset_lockout is active, not disabled again");
	is(sql($node, "SELECT mfa.totp_verify($ceiling->{cid}, " . lit($ceiling->{code1}) . ')'), 't',
		"$after: the reset user's right code is accepted");

	# Revocations.
	is(validate_rows($node, $s{on}), '0', "$after: the session logged out is refused");
	is(validate_rows($node, $s{local}), '0', "$after: the session logged out with synchronous_commit = local is refused");
	is(validate_rows($node, $s_revoked), '0', "$after: the session ended by revoke_sessions is refused");
	is(validate_rows($node, $s{keep}), '1', "$after: control: the session never logged out validates");
	is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli_changer) . ', ' . lit($changer->{code0}) . ')'),
		'failed', "$after: the kli_ token ended by set_password (synchronous_commit = local) gives no full_login");
	is(sql($node, "SELECT result FROM mfa.authenticate_password('pw_changer', $new_pw, 'codes')"), 'needs_mfa',
		"$after: the password set on the old primary is the user's password");

	# Consumption: the code step (tried with a new token) first, then the token (tried with the other good
	# code): in this order neither check can pass because the other one consumed something. Then a control
	# user logs in.
	$kli = kli_token($node, $consumer);
	is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', ' . lit($consumer->{code0}) . ')'),
		'failed', "$after: the code step that logged in on the old primary is refused with a new kli_ token");
	is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli_consumer) . ', ' . lit($consumer->{code1}) . ')'),
		'failed', "$after: the kli_ token that logged in on the old primary gives no second full_login");
	$kli = kli_token($node, $consumer_control);
	is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', ' . lit($consumer_control->{code0}) . ')'),
		'full_login', "$after: control: a user who did not log in on the old primary logs in");

	$node->stop;
}

1;
