# 007_secrets_at_rest.pl: TOTP secrets encrypted at rest with the key file of pg_mfa.secret_key_file.
#
# After enrollment and a checkpoint, neither a secret's base32 text nor its raw bytes (nor their hex) are in
# any file of the data directory or in pg_dump's output, and codes still verify. A ciphertext swapped with
# another credential's, or copied to another row, does not decrypt (39000), it never verifies the other
# seed. Rotation: enrolled under key 1, key 2 added, mfa.rotate_secrets(), key 1 removed, a restart: every
# device still verifies. Without a key, secrets are stored in plaintext and the security report says so;
# rotate_secrets encrypts them once a key is set. Wrong, missing and badly protected key files give clear
# errors naming the key id or the problem, never a key or a secret; no key reaches the server log.
use strict;
use warnings;
use File::Find;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PgMfaTap;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_primary('secrets');
my $keydir = PostgreSQL::Test::Utils::tempdir();   # outside the data directory
my $keys = "$keydir/pg_mfa.keys";
my $k1 = key_line('k1');
write_key_file($keys, $k1);
set_key_file($node, $keys);
# A wider window: each device verifies a dozen codes of the fixed clock here (every code works once).
sql($node, "UPDATE mfa.realms SET totp_window = 10 WHERE name = 'default'", 'admin');

sub report
{
	my ($n) = @_;
	return sql($n, "SELECT status || '|' || detail FROM mfa.security_report() WHERE check_name = 'totp_secrets_encrypted'",
		'admin');
}

# verify(NODE, USER, CID): totp_verify of the user's next code (on the user's device, or on device CID): its
# result, or the SQLSTATE it failed with.
sub verify
{
	my ($n, $user, $cid) = @_;
	my $code = code_at($n, $user->{secret}, $user->{step}++);
	my ($ret, $out, $err) =
	  try_sql($n, "\\set VERBOSITY sqlstate\nSELECT mfa.totp_verify(" . ($cid // $user->{cid}) . ', ' . lit($code) . ')');
	return $out if $ret == 0;
	return $err =~ /ERROR:\s+([0-9A-Z]{5})/ ? $1 : 'unknown error';
}

# verify_error(NODE, USER, CID): the same, returning psql's error message in full (to check what it says).
sub verify_error
{
	my ($n, $user, $cid) = @_;
	my $code = code_at($n, $user->{secret}, $user->{step}++);
	my ($ret, $out, $err) = try_sql($n, "SELECT mfa.totp_verify($cid, " . lit($code) . ')');
	return $ret == 0 ? "succeeded: $out" : $err;
}

like(report($node), qr/^ok\|/, 'security report with a key file and no secret yet: ok');

my @users = map { enroll_secret($node, $_) } qw(alice bob carol);
$_->{step} = 0 for @users;
my ($alice, $bob, $carol) = @users;
is(sql($node, 'SELECT string_agg(DISTINCT coalesce(key_id, \'NULL\'), \',\') || \'|\' || min(length(otp_secret)) '
	  . 'FROM mfa.totp_secrets', 'postgres'), 'k1|48',
	'every secret is stored sealed under k1: 12-byte nonce, 20 bytes, 16-byte tag');
like(report($node), qr/^ok\|Every TOTP secret \(3\) is encrypted with AES-256-GCM under key "k1"/,
	'security report: ok, every secret under k1');

# ---------------------------------------------------------------- nothing in the data directory or a dump

my %needles;
for my $u (@users)
{
	my $hex = sql($node, 'SELECT encode(mfa.base32_decode(' . lit($u->{secret}) . "), 'hex')");
	$needles{"$u->{username}'s base32 secret"} = $u->{secret};
	$needles{"$u->{username}'s raw seed bytes"} = pack('H*', $hex);
	$needles{"$u->{username}'s seed in hex"} = $hex;
}

# found_in_files(DIR): the needles that occur in some file under DIR, each with one such file.
sub found_in_files
{
	my ($dir) = @_;
	my %hits;
	find({ no_chdir => 1, wanted => sub {
		return unless -f $_;
		open my $fh, '<:raw', $_ or return;   # a file that vanished meanwhile
		local $/;
		my $content = <$fh>;
		close $fh;
		return unless defined $content;
		for my $name (keys %needles)
		{
			$hits{$name} = $File::Find::name if index($content, $needles{$name}) >= 0;
		}
	} }, $dir);
	return \%hits;
}

sql($node, 'CHECKPOINT', 'postgres');
my $hits = found_in_files($node->data_dir);
is(join(', ', map { "$_ in $hits->{$_}" } sort keys %$hits), '',
	'no base32 secret, raw seed or hex seed in any file of the data directory (WAL included)');

# Control: the same search finds carol's raw bytes once a plain table of another database holds them.
my $carol_hex = unpack('H*', $needles{"carol's raw seed bytes"});
sql($node, 'CREATE DATABASE control', 'postgres');
$node->safe_psql('control', "CREATE TABLE seeds (b bytea); INSERT INTO seeds VALUES (decode('$carol_hex', 'hex'))");
sql($node, 'CHECKPOINT', 'postgres');
ok(exists found_in_files($node->data_dir)->{"carol's raw seed bytes"},
	'control: raw bytes stored in a plain table are found by the same search');

my $dump = `pg_dump --no-password -d "@{[ $node->connstr('postgres') ]}" 2>&1`;
is($?, 0, 'pg_dump of the database');
like($dump, qr/COPY mfa\.totp_secrets/, 'the dump has mfa.totp_secrets');
my @in_dump = grep { index($dump, $needles{$_}) >= 0 } sort keys %needles;
is(join(', ', @in_dump), '', 'no base32 secret, raw seed or hex seed in pg_dump output');
my $control_dump = `pg_dump --no-password -d "@{[ $node->connstr('control') ]}" 2>&1`;
like($control_dump, qr/\Q$carol_hex\E/, 'control: the hex of a plain bytea is found in its dump');

is(verify($node, $_), 't', "$_->{username}'s device still verifies after the checkpoint") for @users;

# ---------------------------------------------------------------- ciphertexts bound to their row

# swap_ciphertexts(A, B): the stored (sealed) secrets of two users' devices trade places.
sub swap_ciphertexts
{
	my ($a, $b) = @_;
	sql($node, qq{
		UPDATE mfa.totp_secrets AS s SET otp_secret = o.otp_secret
		FROM mfa.totp_secrets AS o
		WHERE (s.credential_id, o.credential_id) IN (($a->{cid}, $b->{cid}), ($b->{cid}, $a->{cid}))}, 'postgres');
}

swap_ciphertexts($alice, $bob);
is(verify($node, $alice), '39000', "alice's device with bob's ciphertext: 39000, not a verification");
is(verify($node, $bob, $alice->{cid}), '39000',
	"bob's code against alice's device holding bob's ciphertext: 39000, the other seed does not verify");
my $err = verify_error($node, $alice, $alice->{cid});
like($err, qr/could not decrypt the TOTP secret of credential $alice->{cid} with key "k1"/,
	'the error names the credential and the key id');
unlike($err, qr/\Q$alice->{secret}\E|\Q$bob->{secret}\E/, 'the error carries no secret');
swap_ciphertexts($alice, $bob);
is(verify($node, $alice), 't', 'swapped back, alice verifies again');

my $saved = sql($node, "SELECT encode(otp_secret, 'hex') FROM mfa.totp_secrets WHERE credential_id = $carol->{cid}",
	'postgres');
sql($node, "UPDATE mfa.totp_secrets SET otp_secret = (SELECT otp_secret FROM mfa.totp_secrets WHERE credential_id = "
	  . "$alice->{cid}) WHERE credential_id = $carol->{cid}", 'postgres');
is(verify($node, $alice, $carol->{cid}), '39000', "alice's ciphertext copied to carol's row does not decrypt there");
sql($node, "UPDATE mfa.totp_secrets SET otp_secret = decode('$saved', 'hex') WHERE credential_id = $carol->{cid}",
	'postgres');
is(verify($node, $carol), 't', 'restored, carol verifies again');

# A login (both steps) opens the secret inside complete_mfa's device loop too.
my ($result, $kli) = split /\|/, sql($node, 'SELECT result, token FROM mfa.authenticate_password('
	  . lit('alice') . ', ' . lit($PgMfaTap::PASSWORD) . ')');
is(sql($node, 'SELECT result FROM mfa.complete_mfa(' . lit($kli) . ', '
	  . lit(code_at($node, $alice->{secret}, $alice->{step}++)) . ')'), 'full_login', 'complete_mfa with a sealed secret');

# ---------------------------------------------------------------- wrong and missing keys

write_key_file($keys, key_line('k1'));   # the same id, other bytes
$node->reload;
$err = verify_error($node, $bob, $bob->{cid});
like($err, qr/ERROR:  could not decrypt the TOTP secret of credential $bob->{cid} with key "k1"/,
	'a wrong key of the same id: the error names the key id');
write_key_file($keys, key_line('k9'));
$node->reload;
$err = verify_error($node, $bob, $bob->{cid});
like($err, qr/the TOTP secret of credential $bob->{cid} is encrypted with key "k1", which this server does not have/,
	'a key file without the key: the error names the missing key id');
like($err, qr/pg_mfa\.secret_key_file has no key "k1"/, '... and says the file has no such key');
is(sqlstate_of($node, 'SELECT mfa.totp_verify(' . $bob->{cid} . ", '000000')"), '39000', '... SQLSTATE 39000');

# ---------------------------------------------------------------- rotation, with a restart

my $k2 = key_line('k2');
write_key_file($keys, $k1, $k2);
$node->reload;
like(report($node), qr/^info\|Every TOTP secret is encrypted with AES-256-GCM; 3 under older keys than "k2"/,
	'security report after adding k2: info, 3 secrets under older keys');
is(sqlstate_of($node, 'SELECT mfa.rotate_secrets()', 'admin'), '42501', 'rotate_secrets is for superusers only');
is(sql($node, 'SELECT mfa.rotate_secrets(2)', 'postgres'), '3', 'rotate_secrets re-encrypts 3 secrets (batches of 2)');
is(sql($node, "SELECT string_agg(DISTINCT key_id, ',') FROM mfa.totp_secrets", 'postgres'), 'k2',
	'every secret is now under k2');
is(sql($node, 'SELECT mfa.rotate_secrets()', 'postgres'), '0', 'a second rotation has nothing to do');
write_key_file($keys, $k2);
$node->restart;
is(verify($node, $_), 't', "$_->{username}'s device verifies with k1 removed, after a restart") for @users;
like(report($node), qr/^ok\|/, 'security report: ok');

# ---------------------------------------------------------------- no key: plaintext, reported; then encrypted

set_key_file($node, '');
my $dave = enroll_secret($node, 'dave');
$dave->{step} = 0;
is(sql($node, "SELECT coalesce(key_id, 'NULL') || '|' || length(otp_secret) FROM mfa.totp_secrets "
	  . "WHERE credential_id = $dave->{cid}", 'postgres'), 'NULL|20',
	'without a key file, enrollment works and stores the secret in plaintext');
my $r = report($node);
like($r, qr/^warning\|pg_mfa\.secret_key_file is not set/, 'security report without a key: warning, not set');
like($r, qr/1 TOTP secret\(s\) are stored in plaintext/, '... one secret in plaintext');
like($r, qr/3 TOTP secret\(s\) are encrypted with keys this server does not have \("k2"\)/,
	'... and three under a key this server does not have');
is(verify($node, $alice), '39000', 'without the key file, a sealed secret cannot be checked: 39000');
is(sqlstate_of($node, 'SELECT mfa.rotate_secrets()', 'postgres'), '55000', 'rotate_secrets without a key: 55000');
set_key_file($node, $keys);
is(verify($node, $dave), 't', 'the plaintext secret still verifies with a key file set');
like(report($node), qr/^warning\|1 TOTP secret\(s\) are stored in plaintext/, 'security report: the plaintext one');
is(sql($node, 'SELECT mfa.rotate_secrets()', 'postgres'), '1', 'rotate_secrets encrypts the plaintext secret');
is(sql($node, "SELECT key_id FROM mfa.totp_secrets WHERE credential_id = $dave->{cid}", 'postgres'), 'k2',
	'... under the newest key');
is(verify($node, $dave), 't', 'and it verifies');

# ---------------------------------------------------------------- key files that are refused

chmod 0640, $keys;
$node->reload;
my ($ret, $out, $stderr) = try_sql($node, "SELECT mfa.totp_create_credential($dave->{uid}, 'Tablet')");
like($stderr, qr/ERROR:  pg_mfa\.secret_key_file cannot be used: it is accessible by group or others \(mode 0640\)/,
	'a group-readable key file: enrollment refused, the message says why');
is(sqlstate_of($node, "SELECT mfa.totp_create_credential($dave->{uid}, 'Tablet')"), 'F0000', '... SQLSTATE F0000');
like(report($node), qr/^warning\|pg_mfa\.secret_key_file cannot be used: it is accessible by group or others/,
	'... and the security report says so');
chmod 0600, $keys;
my $inside = $node->data_dir . '/pg_mfa.keys';
write_key_file($inside, $k2);
set_key_file($node, $inside);
like((try_sql($node, "SELECT mfa.totp_create_credential($dave->{uid}, 'Tablet')"))[2],
	qr/cannot be used: it is inside the data directory/, 'a key file inside the data directory is refused');
unlink $inside;
write_key_file($keys, $k2, 'k3:not base64 at all');
set_key_file($node, $keys);
like((try_sql($node, "SELECT mfa.totp_create_credential($dave->{uid}, 'Tablet')"))[2],
	qr/cannot be used: the key on line 2 is not the padded base64 of 32 bytes/, 'a malformed line is refused by number');
write_key_file($keys, $k2);
$node->append_conf('postgresql.conf', "pg_mfa.secret_key_file = 'relative/keys'");
$node->reload;
is(sql($node, 'SHOW pg_mfa.secret_key_file', 'postgres'), $keys, 'a relative path is refused at reload: the old value stays');
set_key_file($node, $keys);
is(sqlstate_of($node, 'SHOW pg_mfa.secret_key_file', 'app'), '42501', 'other roles cannot see the setting');
is(verify($node, $dave), 't', 'with the key file fixed, devices verify again');

# No key ever reaches the server log; the problems do, with the file's name.
my $log = slurp_file($node->logfile);
for my $line ($k1, $k2)
{
	my ($id, $b64) = split /:/, $line, 2;
	ok(index($log, $b64) < 0, "key $id is not in the server log");
}
like($log, qr/LOG:  pg_mfa: pg_mfa\.secret_key_file "\Q$keys\E" cannot be used: it is accessible by group or others/,
	'the server log names the file and the problem');

done_testing();
