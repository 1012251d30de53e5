"""throwaway_cluster: a PostgreSQL cluster of its own in a temporary directory, for the scripts that need
more control than pg_virtualenv gives (test/load/crash_safety kills it; bench/run sizes it).

pg_mfa is preloaded; the socket lives in the cluster's own directory, so no other server shares its lock
file; no TCP. As root, its files and server belong to the postgres user (initdb refuses to run as root).
"""

import os
import pwd
import shutil
import subprocess
import tempfile

import psycopg


class GiveUp(Exception):
    """A step the script cannot go on without failed."""


class ThrowawayCluster:
    def __init__(self, prefix, settings):
        """prefix: of the temporary directory's name; settings: postgresql.conf lines, name -> value."""
        self.bindir = os.environ.get("PG_BINDIR") or subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        self.as_postgres = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.dir, 0o755)
        if self.as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = 5432
        self.settings = dict(settings)
        self.running = False
        # Only what the server tools need: nothing of a surrounding pg_virtualenv (PGHOST, PGOPTIONS, ...).
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

    def run(self, *args, check=True):
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, cwd=self.dir, env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise GiveUp(f"{' '.join(args[:2])} exited {result.returncode}: {result.stderr.strip()[-500:]}")
        return result

    def init(self):
        self.run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C")
        lines = [f"{name} = '{value}'" for name, value in self.settings.items()]
        with open(os.path.join(self.data, "postgresql.conf"), "a") as conf:
            conf.write("\n# throwaway_cluster\nlisten_addresses = ''\n")
            conf.write(f"unix_socket_directories = '{self.dir}'\nport = {self.port}\n")
            conf.write("shared_preload_libraries = 'pg_mfa'\n" + "\n".join(lines) + "\n")

    def start(self):
        self.run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "120", "start")
        self.running = True

    def stop(self, mode="fast"):
        """mode "immediate" is a crash: the next start recovers from the WAL."""
        self.run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")
        self.running = False

    def connect(self, dbname="postgres", autocommit=True, options=""):
        return psycopg.connect(host=self.dir, port=self.port, user="postgres", dbname=dbname,
                               connect_timeout=10, autocommit=autocommit, options=options)

    def client_env(self, dbname, options=""):
        """Environment for libpq clients (pgbench, psql) of this cluster."""
        env = dict(self.env, PGHOST=self.dir, PGPORT=str(self.port), PGUSER="postgres", PGDATABASE=dbname)
        if options:
            env["PGOPTIONS"] = options
        return env

    def server_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def remove(self, keep=False):
        """Stop the server if it runs (immediately) and delete the directory, unless keep."""
        if self.running:
            self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
            self.running = False
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
