# PgMfaTap.pm: helpers shared by pg_mfa's TAP suites (test/tap/t/*.pl), on top of PostgreSQL's own
# harness (PostgreSQL::Test::Cluster). test/tap/run (make tap) runs them.
#
# Every node preloads pg_mfa and runs on one fixed clock (pg_mfa.clock_override = $T, the middle of the
# current 30-second step), so the codes a test computes are the ones the flows expect, and the lockout
# delays (a day at least) never run out during a test. Users log in through an application role `app`
# (mfa.grant_client) and are administered by `admin` (mfa.grant_admin), as in production.
#
# Secrets stay out of the output: passwords, TOTP secrets, codes and tokens travel in psql's standard
# input, never on a command line; the nodes log no statement text; a failing statement is reported with
# psql's error message only, tokens and secrets masked. Test names and diagnostics carry no secret.
package PgMfaTap;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use MIME::Base64 qw(encode_base64);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

our @EXPORT = qw(
  $T lit sql try_sql sqlstate_of new_primary new_standby make_sync wait_sync
  enroll add_user session_token kli_token rolled_back lockouts forgiven failover
  start_bg bg_finished_within bg_finish validate_rows
  key_line write_key_file set_key_file enroll_secret code_at
);

# The fixed clock: whole seconds since 1970, the middle of the current 30-second step. Step S is $T's;
# a user enrolls with the code of step S-1, so the codes of S and S+1 are each good once afterwards.
our $T = int(time() / 30) * 30 + 15;

# The password every test user gets (a throwaway value, never printed).
our $PASSWORD = 'tap-correct-horse-' . int(rand(1e9));

# lit(TEXT): an SQL string literal.
sub lit
{
	my ($s) = @_;
	$s =~ s/'/''/g;
	return "'$s'";
}

# mask(TEXT): TEXT with anything that looks like a token or a TOTP secret replaced.
sub mask
{
	my ($s) = @_;
	return '' unless defined $s;
	$s =~ s/\bk(li|ss)_[A-Za-z0-9_-]{20,}/k$1_<masked>/g;
	$s =~ s/\b[A-Z2-7]{32}\b/<masked>/g;
	$s =~ s/\Q$PASSWORD\E/<masked>/g;
	return $s;
}

# try_sql(NODE, SQL, ROLE): run SQL (psql script, ON_ERROR_STOP) as ROLE (default app) in database
# postgres; returns (exit code, stdout, stderr).
sub try_sql
{
	my ($node, $sql, $role) = @_;
	$role //= 'app';
	my ($ret, $out, $err) = $node->psql(
		'postgres', $sql,
		extra_params => [ '-U', $role ],
		on_error_stop => 1,
		timeout => $PostgreSQL::Test::Utils::timeout_default);
	return ($ret, $out, $err);
}

# sql(NODE, SQL, ROLE): like try_sql, but returns stdout and dies (with psql's error, masked, not the
# statement) when the script fails.
sub sql
{
	my ($node, $sql, $role) = @_;
	my ($ret, $out, $err) = try_sql($node, $sql, $role);
	if ($ret != 0)
	{
		die "SQL as " . ($role // 'app') . " on node " . $node->name . " failed: " . mask($err) . "\n";
	}
	return $out;
}

# sqlstate_of(NODE, SQL, ROLE): the SQLSTATE SQL fails with, or 'ok' when it succeeds.
sub sqlstate_of
{
	my ($node, $sql, $role) = @_;
	my ($ret, $out, $err) = try_sql($node, "\\set VERBOSITY sqlstate\n$sql", $role);
	return 'ok' if $ret == 0;
	return $1 if $err =~ /ERROR:\s+([0-9A-Z]{5})/;
	return 'unknown: ' . mask($err);
}

# node_conf: what every node runs with.
sub node_conf
{
	return join "\n",
	  "shared_preload_libraries = 'pg_mfa'",
	  "pg_mfa.clock_override = '$T'",
	  # Cheap hashes: the tests make many attempts; the cost of a hash is not what they test.
	  "pg_mfa.argon2_memory = 1024",
	  "pg_mfa.argon2_iterations = 1",
	  # The harness logs every statement; ours carry passwords, codes and tokens as literals.
	  "log_statement = 'none'",
	  "log_min_error_statement = 'panic'",
	  "";
}

# new_primary(NAME): an initialized, started node (streaming allowed) with pg_mfa, the roles app and
# admin, and the realms the suites use:
#   default  password_lockout_threshold 10 (the default)
#   codes    code_lockout_threshold 5
#   tokens   mfa_token_max_failures 3, code_lockout_threshold 10 (the token dies long before the user)
#   ceiling  code_lockout_threshold = code_disable_threshold = 3
#   wal      thresholds out of reach (100, 1000): every guess is evaluated and counted
# Every realm waits a day after its threshold (30 days at most), so no lock runs out during a test.
sub new_primary
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => 1);
	$node->append_conf('postgresql.conf', node_conf());
	$node->start;
	sql($node, q{
		CREATE EXTENSION pg_mfa;
		CREATE ROLE app LOGIN;
		CREATE ROLE admin LOGIN;
		SELECT mfa.grant_client('app');
		SELECT mfa.grant_admin('admin');
	}, 'postgres');
	sql($node, q{
		SELECT mfa.create_realm('codes');
		SELECT mfa.create_realm('tokens');
		SELECT mfa.create_realm('ceiling');
		SELECT mfa.create_realm('wal');
		UPDATE mfa.realms SET lockout_delay = '1 day', lockout_max_delay = '30 days';
		UPDATE mfa.realms SET code_lockout_threshold = 5 WHERE name = 'codes';
		UPDATE mfa.realms SET mfa_token_max_failures = 3, code_lockout_threshold = 10 WHERE name = 'tokens';
		UPDATE mfa.realms SET code_lockout_threshold = 3, code_disable_threshold = 3 WHERE name = 'ceiling';
		UPDATE mfa.realms SET code_lockout_threshold = 100, code_disable_threshold = 1000 WHERE name = 'wal';
	}, 'admin');
	return $node;
}

# new_standby(PRIMARY, NAME, BACKUP): a streaming standby made from a new base backup of PRIMARY (or
# from the existing backup BACKUP), started; its application_name is NAME.
sub new_standby
{
	my ($primary, $name, $backup) = @_;
	if (!defined $backup)
	{
		$backup = "for_$name";
		$primary->backup($backup);
	}
	my $standby = PostgreSQL::Test::Cluster->new($name);
	$standby->init_from_backup($primary, $backup, has_streaming => 1);
	$standby->start;
	return $standby;
}

# make_sync(PRIMARY, STANDBY): STANDBY becomes PRIMARY's synchronous standby (waits until it is).
sub make_sync
{
	my ($primary, $standby) = @_;
	my $name = $standby->name;
	$primary->append_conf('postgresql.conf', "synchronous_standby_names = '$name'");
	$primary->reload;
	wait_sync($primary, $standby);
}

# wait_sync(PRIMARY, STANDBY): wait until STANDBY streams to PRIMARY as a synchronous standby.
sub wait_sync
{
	my ($primary, $standby) = @_;
	my $name = $standby->name;
	$primary->poll_query_until('postgres',
		"SELECT count(*) FROM pg_stat_replication WHERE application_name = '$name' "
		  . "AND state = 'streaming' AND sync_state = 'sync'", '1')
	  or die "$name did not become a synchronous standby\n";
}

# add_user(NODE, USERNAME, REALM): a user with the test password and no device; returns its id.
sub add_user
{
	my ($node, $username, $realm) = @_;
	$realm //= 'default';
	my $uid = sql($node,
		'SELECT mfa.create_user(' . lit($username) . ', ' . lit($PASSWORD) . ', ' . lit($realm) . ')');
	return $uid;
}

# enroll(NODE, USERNAME, REALM): a user with the test password and an active TOTP device (verified with
# the code of step S-1). Returns a hash: uid, cid, username, realm, code0 (step S, $T's), code1 (S+1),
# wrong (a code that matches none of the steps S-3 .. S+3).
sub enroll
{
	my ($node, $username, $realm) = @_;
	$realm //= 'default';
	my $uid = add_user($node, $username, $realm);
	my ($cid, $secret) = split /\|/,
	  sql($node, "SELECT credential_id, otp_secret FROM mfa.totp_create_credential($uid, 'Phone')");
	my $s = lit($secret);
	my ($before, $code0, $code1, $wrong) = split /\|/, sql($node, qq{
		SELECT mfa.totp_code($s, to_timestamp($T - 30)), mfa.totp_code($s, to_timestamp($T)),
		       mfa.totp_code($s, to_timestamp($T + 30)),
		       (SELECT c FROM unnest(ARRAY['000000','111111','222222','333333','444444']) AS c
		        WHERE c NOT IN (SELECT mfa.totp_code($s, to_timestamp($T + k * 30))
		                        FROM generate_series(-3, 3) AS k)
		        LIMIT 1)});
	my $ok = sql($node, "SELECT mfa.totp_verify($cid, " . lit($before) . ")");
	die "enrollment of $username failed\n" unless $ok eq 't';
	return {
		uid => $uid, cid => $cid, username => $username, realm => $realm,
		code0 => $code0, code1 => $code1, wrong => $wrong };
}

# session_token(NODE, USERNAME, REALM): a kss_ session of a user without a device.
sub session_token
{
	my ($node, $username, $realm) = @_;
	$realm //= 'default';
	my ($result, $token) = split /\|/, sql($node,
		'SELECT result, token FROM mfa.authenticate_password(' . lit($username) . ', '
		  . lit($PASSWORD) . ', ' . lit($realm) . ')');
	die "login of $username gave $result, not full_login\n" unless $result eq 'full_login';
	return $token;
}

# kli_token(NODE, USER): a kli_ token of an enrolled user (from enroll).
sub kli_token
{
	my ($node, $user) = @_;
	my ($result, $token) = split /\|/, sql($node,
		'SELECT result, token FROM mfa.authenticate_password(' . lit($user->{username}) . ', '
		  . lit($PASSWORD) . ', ' . lit($user->{realm}) . ')');
	die "password step of $user->{username} gave $result, not needs_mfa\n" unless $result eq 'needs_mfa';
	return $token;
}

# rolled_back(NODE, SQL, N): N transactions that each run SQL as app and are rolled back (one session).
sub rolled_back
{
	my ($node, $stmt, $n) = @_;
	sql($node, join('', map { "BEGIN; $stmt; ROLLBACK;\n" } 1 .. $n));
}

# lockouts(NODE, UID): "code_failures|code locked|password_failures|password locked" from mfa.user_lockouts
# (t/f for locked: the lock's end lies after the test clock); "none" when the user has no row.
sub lockouts
{
	my ($node, $uid) = @_;
	my $row = sql($node, qq{
		SELECT code_failures || '|' || (coalesce(code_locked_until > to_timestamp($T), false))::text || '|'
		       || password_failures || '|' || (coalesce(password_locked_until > to_timestamp($T), false))::text
		FROM mfa.user_lockouts WHERE user_id = $uid}, 'admin');
	return $row eq '' ? 'none' : $row;
}

# forgiven(LOCKOUTS): lockouts (above) show no failure and no lock; a view over a journal may have no row
# for such a user at all.
sub forgiven
{
	my ($row) = @_;
	return $row eq 'none' || $row eq '0|false|0|false';
}

# validate_rows(NODE, TOKEN): how many rows mfa.validate_session gives for TOKEN on NODE.
sub validate_rows
{
	my ($node, $token) = @_;
	return sql($node, 'SELECT count(*) FROM mfa.validate_session(' . lit($token) . ')');
}

# failover(PRIMARY, STANDBY): the primary dies (immediate shutdown: no shutdown checkpoint, nothing sent
# on the way down) and the standby is promoted; returns once it accepts writes.
sub failover
{
	my ($primary, $standby) = @_;
	$primary->stop('immediate');
	$standby->promote;
	$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
	  or die "standby " . $standby->name . " was not promoted\n";
}

# start_bg(NODE, SQL, ROLE): run SQL as ROLE in a psql of its own, in the background; returns a handle
# for bg_finished_within and bg_finish.
sub start_bg
{
	my ($node, $sql, $role) = @_;
	$role //= 'app';
	# psql prints a result once its statement's transaction has committed; the marker says it is done.
	my %bg = (in => "$sql\n;\n\\echo __bg_done__\n", out => '', err => '');
	my @cmd = ('psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-U', $role,
		'-f', '-');
	$bg{h} = IPC::Run::start(\@cmd, '<', \$bg{in}, '>', \$bg{out}, '2>', \$bg{err});
	return \%bg;
}

# bg_finished_within(BG, SECONDS): whether the background psql exited within SECONDS.
sub bg_finished_within
{
	my ($bg, $seconds) = @_;
	my $deadline = time() + $seconds;
	while (1)
	{
		$bg->{h}->pump_nb;
		return 1 if $bg->{out} =~ /__bg_done__/ || $bg->{err} =~ /ERROR|FATAL|could not/;
		return 0 if time() >= $deadline;
		usleep(50_000);
	}
}

# bg_finish(BG, SECONDS): wait at most SECONDS for the background psql; returns its output (killed and
# undef when it did not end in time).
sub bg_finish
{
	my ($bg, $seconds) = @_;
	if (!bg_finished_within($bg, $seconds))
	{
		$bg->{h}->kill_kill;
		return undef;
	}
	$bg->{h}->finish;
	die "background SQL failed: " . mask($bg->{err}) . "\n" if $bg->{h}->result != 0;
	my $out = $bg->{out};
	$out =~ s/__bg_done__\n?$//;
	$out =~ s/^\s+|\s+$//g;
	return $out;
}

# key_line(ID): a key file line, ID and 32 random bytes in padded base64 (what `openssl rand -base64 32` prints).
sub key_line
{
	my ($id) = @_;
	open my $random, '<:raw', '/dev/urandom' or die "/dev/urandom: $!\n";
	read($random, my $bytes, 32) == 32 or die "short read from /dev/urandom\n";
	close $random;
	return "$id:" . encode_base64($bytes, '');
}

# write_key_file(PATH, LINES...): the key file PATH with these lines, readable by its owner only.
sub write_key_file
{
	my ($path, @lines) = @_;
	open my $file, '>', $path or die "$path: $!\n";
	print $file map { "$_\n" } @lines;
	close $file;
	chmod 0600, $path or die "chmod $path: $!\n";
}

# set_key_file(NODE, PATH): pg_mfa.secret_key_file = PATH ('' for none) in NODE's configuration, reloaded.
sub set_key_file
{
	my ($node, $path) = @_;
	$node->append_conf('postgresql.conf', "pg_mfa.secret_key_file = " . lit($path));
	$node->reload;
}

# enroll_secret(NODE, USERNAME): a user with the test password and an active device (verified with the code
# of step S-1); returns a hash: uid, cid, username, realm, secret (base32; a test secret, never printed).
sub enroll_secret
{
	my ($node, $username) = @_;
	my $uid = add_user($node, $username);
	my ($cid, $secret) = split /\|/,
	  sql($node, "SELECT credential_id, otp_secret FROM mfa.totp_create_credential($uid, 'Phone')");
	my $ok = sql($node, "SELECT mfa.totp_verify($cid, " . lit(code_at($node, $secret, -1)) . ")");
	die "enrollment of $username failed\n" unless $ok eq 't';
	return { uid => $uid, cid => $cid, username => $username, realm => 'default', secret => $secret };
}

# code_at(NODE, SECRET, K): the TOTP code of step S+K for a base32 secret.
sub code_at
{
	my ($node, $secret, $k) = @_;
	return sql($node, 'SELECT mfa.totp_code(' . lit($secret) . ", to_timestamp($T + $k * 30))");
}

1;
