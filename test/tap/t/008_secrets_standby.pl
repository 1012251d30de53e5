# 008_secrets_standby.pl: encrypted TOTP secrets on standbys. A standby made from a base backup of the primary
# with the same key file verifies a code after its promotion; a standby without the key file still validates
# sessions, its security report says the key is missing, and after a promotion it refuses to check a code with
# 39000 naming the key id (never succeeding, never showing a secret).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaTap;
use PostgreSQL::Test::Utils;
use Test::More;

my $keys = PostgreSQL::Test::Utils::tempdir() . '/pg_mfa.keys';
write_key_file($keys, key_line('2026-a'));

my $primary = new_primary('primary');
set_key_file($primary, $keys);   # in postgresql.conf: the base backups below copy the setting
my $alice = enroll_secret($primary, 'alice');
add_user($primary, 'bob');
my $session = session_token($primary, 'bob');
is(sql($primary, 'SELECT key_id FROM mfa.totp_secrets', 'postgres'), '2026-a', 'the primary stores the secret sealed');

$primary->backup('keyed');
my $standby = new_standby($primary, 'standby', 'keyed');
my $keyless = PostgreSQL::Test::Cluster->new('keyless');
$keyless->init_from_backup($primary, 'keyed', has_streaming => 1);
$keyless->append_conf('postgresql.conf', "pg_mfa.secret_key_file = ''");
$keyless->start;
$primary->wait_for_catchup($standby);
$primary->wait_for_catchup($keyless);

sub report
{
	my ($n) = @_;
	return sql($n, "SELECT status || '|' || detail FROM mfa.security_report() WHERE check_name = 'totp_secrets_encrypted'",
		'admin');
}

like(report($standby), qr/^ok\|Every TOTP secret \(1\) is encrypted with AES-256-GCM under key "2026-a"/,
	'security report on the standby with the key file: ok');
my $r = report($keyless);
like($r, qr/^warning\|pg_mfa\.secret_key_file is not set/, 'security report on a standby without it: warning');
like($r, qr/1 TOTP secret\(s\) are encrypted with keys this server does not have \("2026-a"\)/,
	'... naming the key it lacks');
is(validate_rows($keyless, $session), '1', 'sessions still validate on the standby without the key');

# Failover to the standby with the key: a code verifies there, in totp_verify and in a two-step login.
failover($primary, $standby);
is(sql($standby, "SELECT mfa.totp_verify($alice->{cid}, " . lit(code_at($standby, $alice->{secret}, 0)) . ')'), 't',
	'after promotion, the standby with the same key file verifies a code');
my ($result, $kli) = split /\|/, sql($standby,
	'SELECT result, token FROM mfa.authenticate_password(' . lit('alice') . ', ' . lit($PgMfaTap::PASSWORD) . ')');
is($result, 'needs_mfa', 'the password step on the promoted standby');
is(sql($standby, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', '
	  . lit(code_at($standby, $alice->{secret}, 1)) . ')'), 'full_login', 'and the second step with the next code');

# The standby without the key, promoted on its own: codes cannot be checked there, and it says which key.
$keyless->promote;
$keyless->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()') or die "keyless was not promoted\n";
my ($ret, $out, $err) = try_sql($keyless,
	"SELECT mfa.totp_verify($alice->{cid}, " . lit(code_at($keyless, $alice->{secret}, 0)) . ')');
isnt($ret, 0, 'a promoted node without the key file does not verify the code');
like($err, qr/ERROR:  the TOTP secret of credential $alice->{cid} is encrypted with key "2026-a", which this server does not have/,
	'... it names the key id it lacks');
like($err, qr/DETAIL:  pg_mfa\.secret_key_file is not set\./, '... and why');
unlike($err, qr/\Q$alice->{secret}\E/, '... and shows no secret');
set_key_file($keyless, $keys);
is(sql($keyless, "SELECT mfa.totp_verify($alice->{cid}, " . lit(code_at($keyless, $alice->{secret}, 0)) . ')'), 't',
	'given the key file and a reload, it verifies the code');

done_testing();
