# 001_standby.pl: pg_mfa on a hot standby. Sessions validate there; every function that writes fails at
# once with 25006 (read_only_sql_transaction), whoever the user, and changes nothing; so do they in a READ
# ONLY transaction on the primary. The request context (mfa.begin_request) works there too. A logout on the primary reaches the standby.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaTap;
use Test::More;

my $primary = new_primary('primary');
my $alice = enroll($primary, 'alice', 'codes');
add_user($primary, 'bob');
my $session = session_token($primary, 'bob');
my $other = session_token($primary, 'bob');
my $kli = kli_token($primary, $alice);
my $standby = new_standby($primary, 'standby');
$primary->wait_for_catchup($standby);

is(sql($standby, 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery (hot standby)');
my $bob = sql($primary, "SELECT user_id FROM mfa.users WHERE username = 'bob'", 'admin');
is(sql($standby, 'SELECT user_id, realm FROM mfa.validate_session(' . lit($session) . ')'), "$bob|default",
	'validate_session on the standby: one row, the user and realm of a live session');
is(validate_rows($standby, 'kss_' . ('A' x 43)), '0', 'validate_session on the standby: no row for an unknown token');
# The request context reads only: begin_request and its readers work on the standby (bob logged in with his
# password only: aal1); an unknown token gives no context.
is(sql($standby, 'SELECT aal, methods FROM mfa.session_info(' . lit($session) . ')'), 'aal1|{pwd}',
	'session_info on the standby: the assurance of a live session');
is(sql($standby, "BEGIN;\nSELECT mfa.begin_request(" . lit($session) . ");\nSELECT mfa.user_id(), mfa.aal();\nCOMMIT;"),
	"t\n$bob|aal1", 'begin_request on the standby: the context of a live session, read by mfa.user_id and mfa.aal');
is(sql($standby, "BEGIN;\nSELECT mfa.begin_request('kss_' || repeat('A', 43));\nSELECT mfa.user_id() IS NULL;\nCOMMIT;"),
	"f\nt", 'begin_request on the standby: no context for an unknown token');
is(sql($standby, "SELECT length(mfa.totp_code(mfa.generate_secret(), to_timestamp($T)))"), '6',
	'the primitives work on the standby');
is(sql($standby, "SELECT count(*) > 0 FROM mfa.security_report()", 'admin'), 't',
	'security_report works on the standby');

# Every writing function, called as the role that may call it; arguments that would succeed on the
# primary where a real one is at hand (25006 comes first, before any lookup).
my $kli_l = lit($kli);
my $code = lit($alice->{code0});
my %writes = (
	create_user            => [ 'app',   "SELECT mfa.create_user('carol', 'a password')" ],
	set_password           => [ 'app',   "SELECT mfa.set_password($bob, 'another password')" ],
	totp_create_credential => [ 'app',   "SELECT credential_id FROM mfa.totp_create_credential($bob, 'Phone')" ],
	totp_verify            => [ 'app',   "SELECT mfa.totp_verify($alice->{cid}, $code)" ],
	delete_credential      => [ 'app',   "SELECT mfa.delete_credential($alice->{cid})" ],
	authenticate_password  => [ 'app',   "SELECT result FROM mfa.authenticate_password('bob', 'a guess')" ],
	complete_mfa           => [ 'app',   "SELECT result FROM mfa.complete_mfa($kli_l, $code)" ],
	step_up                => [ 'app',   'SELECT mfa.step_up(' . lit($session) . ", $code)" ],
	logout                 => [ 'app',   'SELECT mfa.logout(' . lit($session) . ')' ],
	revoke_sessions        => [ 'app',   "SELECT mfa.revoke_sessions($bob)" ],
	reset_lockout          => [ 'admin', "SELECT mfa.reset_lockout($alice->{uid})" ],
	create_realm           => [ 'admin', "SELECT mfa.create_realm('staff')" ],
	purge_expired          => [ 'admin', "SELECT * FROM mfa.purge_expired('0 seconds')" ],
	purge_events           => [ 'admin', "SELECT mfa.purge_events('0 seconds')" ],
);
for my $f (sort keys %writes)
{
	my ($role, $stmt) = @{ $writes{$f} };
	is(sqlstate_of($standby, "$stmt;", $role), '25006', "$f on the standby: 25006");
}
# The same in a READ ONLY transaction on the primary, for the login flows.
for my $f (qw(authenticate_password complete_mfa step_up totp_verify logout))
{
	my ($role, $stmt) = @{ $writes{$f} };
	is(sqlstate_of($primary, "BEGIN READ ONLY; $stmt; ROLLBACK;", $role), '25006',
		"$f in a READ ONLY transaction on the primary: 25006");
}

# Nothing was consumed or revoked by the refused calls: the kli_ token and the code still log in on the
# primary, and the session still validates on both.
is(sql($primary, "SELECT result FROM mfa.complete_mfa($kli_l, $code)"), 'full_login',
	'the kli_ token and code refused with 25006 still log in on the primary');
is(validate_rows($primary, $session), '1', 'the session the standby refused to log out is live on the primary');
is(sql($primary, "SELECT count(*) FROM mfa.users WHERE username = 'carol'", 'admin'), '0',
	'no user was created');

# A logout on the primary reaches the standby.
is(sql($primary, 'SELECT mfa.logout(' . lit($session) . ')'), 't', 'logout on the primary');
$primary->wait_for_catchup($standby);
is(validate_rows($standby, $session), '0', 'the logged-out session gives no row on the standby');
is(validate_rows($standby, $other), '1', 'the other session of the same user still validates on the standby');

done_testing();
