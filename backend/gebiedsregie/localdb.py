"""The project's own PostGIS cluster, used when no DATABASE_URL is set.

Its data directory lives in the checkout (`var/pgdata`, git-ignored), it listens only on
127.0.0.1 on its own port, and it keeps its data across restarts. PostgreSQL refuses to run as
root, so as root the server runs as the `postgres` OS user.
"""

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from gebiedsregie.settings import Settings

SUPERUSER = "gebiedsregie"
PG_ROOT = Path("/usr/lib/postgresql")
PG_SHARE = Path("/usr/share/postgresql")


class LocalDbError(RuntimeError):
    """The local cluster cannot be set up or started; the message says what to do."""


def _bindirs() -> list[Path]:
    """Return Debian's /usr/lib/postgresql/<version>/bin directories, newest first."""
    return sorted(
        PG_ROOT.glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )


def find_bindir() -> Path:
    """Return the bin directory of the newest installed PostgreSQL that has PostGIS."""
    candidates = [p for p in _bindirs() if (p / "initdb").is_file()]
    for bindir in candidates:
        if (PG_SHARE / bindir.parent.name / "extension" / "postgis.control").is_file():
            return bindir
    if candidates:
        version = candidates[0].parent.name
        raise LocalDbError(
            f"PostgreSQL {version} is installed without PostGIS: "
            f"apt-get install postgresql-{version}-postgis-3 (make setup does this)."
        )
    raise LocalDbError("PostgreSQL is not installed: run `make setup` first.")


def find_client(program: str) -> Path:
    """Return the newest installed PostgreSQL client `program` (pg_dump, pg_restore, psql).

    pg_dump refuses a server newer than itself, so the newest version is the one to use:
    Debian installs every major version side by side under /usr/lib/postgresql/<version>/bin
    (client-only installs included). Elsewhere, the one on PATH.
    """
    for bindir in _bindirs():
        if (bindir / program).is_file():
            return bindir / program
    on_path = shutil.which(program)
    if on_path is None:
        raise LocalDbError(f"{program} is not installed: apt-get install postgresql-client.")
    return Path(on_path)


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if _as_root():
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=check, capture_output=True, text=True, cwd="/")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL does
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _postgres_can_reach(path: Path) -> bool:
    return (
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(path)], capture_output=True
        ).returncode
        == 0
    )


@dataclass
class Status:
    running: bool
    data_dir: Path
    port: int
    detail: str


class LocalCluster:
    """Initialise, start, stop and address the local cluster of one checkout."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.var_dir = settings.var_dir
        self.password_file = self.var_dir / "pg-password"
        self._port_file = self.var_dir / "pg-port"
        self._location_file = self.var_dir / "pgdata-location"

    @property
    def data_dir(self) -> Path:
        if self._location_file.is_file():
            return Path(self._location_file.read_text().strip())
        return self.var_dir / "pgdata"

    @property
    def port(self) -> int:
        """The port: the one this checkout's cluster runs on; when it is not running, as
        configured, else the one it last started on."""
        running = self._running_port()
        if running is not None:
            return running
        if "local_db_port" in self.settings.model_fields_set or not self._port_file.is_file():
            return self.settings.local_db_port
        return int(self._port_file.read_text().strip())

    def _running_port(self) -> int | None:
        """The port in postmaster.pid (its fourth line) while the server runs, else None.

        A configured port that differs (GEBIEDSREGIE_LOCAL_DB_PORT changed while the cluster
        ran) would otherwise point every connection at nothing."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except OSError:
            return None
        if len(lines) < 4 or not lines[3].strip().isdigit():
            return None
        return int(lines[3]) if self.is_running() else None

    def is_running(self) -> bool:
        result = _run(
            [str(find_bindir() / "pg_ctl"), "status", "-D", str(self.data_dir)], check=False
        )
        return result.returncode == 0

    def _choose_port(self) -> int:
        # An explicit port is kept as is; the default moves on when another server has it
        # (say, a second checkout's cluster), and the choice is remembered.
        if "local_db_port" in self.settings.model_fields_set:
            return self.settings.local_db_port
        for port in [
            self.port,
            *range(self.settings.local_db_port, self.settings.local_db_port + 100),
        ]:
            if _port_free(port):
                self._port_file.write_text(f"{port}\n")
                return port
        raise LocalDbError("No free port for the local PostGIS: set GEBIEDSREGIE_LOCAL_DB_PORT.")

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def url(self, dbname: str | None = None) -> str:
        password = self.password_file.read_text().strip()
        name = dbname or self.settings.local_db_name
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{name}"

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file() and self.password_file.is_file()

    def init(self) -> None:
        """Create the data directory with initdb, unless it exists."""
        if self.is_initialised():
            return
        bindir = find_bindir()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        data_dir = self._choose_data_dir()
        data_dir.mkdir(parents=True, exist_ok=True)
        if _as_root():
            shutil.chown(data_dir, "postgres", "postgres")
        data_dir.chmod(0o700)

        password = secrets.token_urlsafe(24)
        with tempfile.NamedTemporaryFile("w", delete=False, prefix="gebiedsregie-pw-") as pwfile:
            pwfile.write(password + "\n")
        try:
            if _as_root():
                shutil.chown(pwfile.name, "postgres")
            result = _run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile.name}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                check=False,
            )
        finally:
            os.unlink(pwfile.name)
        if result.returncode != 0:
            raise LocalDbError(f"initdb failed:\n{result.stderr.strip()}")
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        conf = data_dir / "postgresql.auto.conf"
        with conf.open("a") as f:
            f.write(
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 100\n"
                "shared_buffers = '256MB'\n"
                "work_mem = '32MB'\n"
                "fsync = on\n"
            )

    def _choose_data_dir(self) -> Path:
        default = self.var_dir / "pgdata"
        if not _as_root() or _postgres_can_reach(self.var_dir):
            return default
        # The checkout is not reachable by the postgres user (say, under /root): keep the
        # data next to other server data instead, and remember where.
        digest = hashlib.sha1(str(self.settings.home).encode()).hexdigest()[:12]
        outside = Path("/var/lib/gebiedsregie") / digest / "pgdata"
        outside.parent.mkdir(parents=True, exist_ok=True)
        self._location_file.write_text(str(outside) + "\n")
        return outside

    def status(self) -> Status:
        if not self.is_initialised():
            return Status(False, self.data_dir, self.port, "niet geïnitialiseerd")
        running = self.is_running()
        return Status(running, self.data_dir, self.port, "draait" if running else "gestopt")

    def start(self) -> None:
        """Start the cluster (initialising it first) and make sure the database exists."""
        self.init()
        if not self.status().running:
            port = self._choose_port()
            pg_ctl = str(find_bindir() / "pg_ctl")
            result = _run(
                [
                    pg_ctl,
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {port}",
                ],
                check=False,
            )
            if result.returncode != 0:
                log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
                raise LocalDbError(
                    f"The local PostGIS did not start on port {self.port} "
                    f"(set GEBIEDSREGIE_LOCAL_DB_PORT if it is taken).\n"
                    f"{result.stderr.strip()}\n{log}"
                )
        self.create_database(self.settings.local_db_name)

    def stop(self) -> None:
        if self.status().running:
            _run(
                [
                    str(find_bindir() / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                ]
            )

    def create_database(self, name: str) -> None:
        """Create database `name` unless it exists."""
        create_database(self.url("postgres"), name)


def create_database(admin_url: str, name: str) -> None:
    """Create database `name` on the server of `admin_url`, unless it exists."""
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` on the server of `admin_url`, ending its connections."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_url(settings: Settings) -> str:
    """Return the URL to use: DATABASE_URL, or the local cluster (started if needed)."""
    if settings.database_url:
        return settings.database_url
    cluster = LocalCluster(settings)
    cluster.start()
    return cluster.url()
