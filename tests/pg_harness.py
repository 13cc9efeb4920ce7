"""A throwaway PostgreSQL for the tests: Debian's binaries (`make test` installs the
`postgresql` package when missing), a cluster made by initdb in a temporary folder,
run as an unprivileged user (as root: `nobody`, through setpriv, which execs so the pid
is the server's own), listening on a free loopback port with its socket in the same
folder, stopped by its pid and removed."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import LOOPBACK, free_port

SUPERUSER = "postgres"
UNPRIVILEGED = "nobody"


def postgres_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/N/bin with initdb and postgres in it."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). "
            "Run `make postgresql` as root, or install Debian's 'postgresql' package."
        )
    return found[-1]


@dataclass
class PostgresServer:
    url: str  # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
    port: int
    bin_dir: Path
    workdir: Path
    proc: subprocess.Popen = field(repr=False)

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{LOOPBACK}:{self.port}/{name}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{secrets.token_hex(6)}"
        with psycopg.connect(
            f"host={LOOPBACK} port={self.port} user={SUPERUSER} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def pg_dump(self, database: str) -> str:
        """The whole database as SQL text, from the pg_dump of the server's own version."""
        result = subprocess.run(
            [str(self.bin_dir / "pg_dump"), "-h", LOOPBACK, "-p", str(self.port)]
            + ["-U", SUPERUSER, "--no-password", database],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)  # "fast shutdown"
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _as_unprivileged() -> tuple[list[str], int | None, int | None]:
    """The command prefix that drops root (none when not root) and that user's ids."""
    if os.geteuid() != 0:
        return [], None, None
    user = pwd.getpwnam(UNPRIVILEGED)
    prefix = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    return prefix, user.pw_uid, user.pw_gid


def start_postgres(*, startup_timeout: float = 60) -> PostgresServer:
    bin_dir = postgres_bin_dir()
    prefix, uid, gid = _as_unprivileged()
    # Directly under the system temp dir: pytest's own temp dirs are private to root,
    # and the server's user must reach its folder.
    workdir = Path(tempfile.mkdtemp(prefix="cekura-pg-"))
    data, sockets, log = workdir / "data", workdir / "sockets", workdir / "postgres.log"
    sockets.mkdir()
    if uid is not None and gid is not None:
        for path in (workdir, sockets):
            os.chown(path, uid, gid)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "LC_ALL": "C"}
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER]
            + ["--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"],
            env=env,
            cwd=workdir,
            capture_output=True,
            timeout=120,
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{exc.stdout}\n{exc.stderr}") from None
    port = free_port()
    cmd = [*prefix, str(bin_dir / "postgres"), "-D", str(data), "-p", str(port)]
    cmd += ["-k", str(sockets), "-c", f"listen_addresses={LOOPBACK}"]
    # A throwaway cluster: durability off makes it quick.
    cmd += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    server = PostgresServer(
        f"postgresql+psycopg://{SUPERUSER}@{LOOPBACK}:{port}/postgres", port, bin_dir, workdir, proc
    )
    try:
        _wait_ready(server, startup_timeout, log)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: PostgresServer, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"postgres exited with {server.proc.returncode}:\n{log.read_text()}")
        ready = subprocess.run(
            [str(server.bin_dir / "pg_isready"), "-h", LOOPBACK, "-p", str(server.port)]
            + ["-U", SUPERUSER, "-d", "postgres"],
            capture_output=True,
            timeout=10,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise TimeoutError(f"postgres not ready after {timeout}s:\n{log.read_text()}")
