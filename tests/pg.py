"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries where installed
(CI installs them), else the ones the `pgserver` wheel bundles (a dev dependency, so `make test`
on a fresh machine starts a real server too).

The server lives in a temp directory, listens on 127.0.0.1 on a free port (and on a Unix
socket in that directory), runs with fsync off, and is stopped and removed at the end of
the session. initdb refuses to run as root, so under root every server command runs as the
`postgres` system user the Debian package creates or, without the package, as `nobody`, with
the directory chowned to it. Only the wheel's binaries are used (its own start-up helper adds
a system user and opens up folder permissions up to /, which a test run has no business doing).
Nothing depends on the package's own `main` cluster.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

SERVER_USERS = ("postgres", "nobody")  # the OS user the server runs as when the tests run as root: the first that exists
SUPERUSER = "postgres"  # the database role initdb creates, whoever runs it
DATABASE = "councilplans_test"
FAST_UNSAFE = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]


def has_server(bin_dir: Path) -> bool:
    return all((bin_dir / name).is_file() and os.access(bin_dir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin holding a server, else the pgserver wheel's, if any."""
    candidates = [d / "bin" for d in Path("/usr/lib/postgresql").glob("*") if d.name.isdigit()]
    usable = [d for d in candidates if has_server(d)]
    if usable:
        return max(usable, key=lambda d: int(d.parent.name))
    spec = importlib.util.find_spec("pgserver")  # found, not imported: its import sets up lock files
    if spec is None or spec.origin is None:
        return None
    wheel_bin = Path(spec.origin).parent / "pginstall" / "bin"  # where pgserver's own POSTGRES_BIN_PATH points
    return wheel_bin if has_server(wheel_bin) else None


def server_user() -> str | None:
    """The system user that runs the server under root (None when no candidate exists)."""
    for name in SERVER_USERS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_server_user() -> list[str]:
    """Command prefix that drops root to the server user; empty when not root."""
    return ["runuser", "-u", server_user(), "--"] if os.geteuid() == 0 else []


def run_server_command(args: list[str], cwd: Path) -> None:
    """Run a server binary as the server user; fail with its output, not just an exit code."""
    done = subprocess.run(as_server_user() + args, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def make_owned_tempdir() -> Path:
    """A fresh temp dir the server user owns (pytest's own tmp dirs are root-only under root)."""
    root = Path(tempfile.mkdtemp(prefix="councilplans-pg-"))
    if os.geteuid() == 0:
        user = server_user()
        shutil.chown(root, user=user, group=pwd.getpwnam(user).pw_gid)
    return root


def start_cluster(bin_dir: Path, root: Path, port: int) -> Path:
    """initdb + pg_ctl start; returns the data dir. Trust auth: only this machine can reach it."""
    data = root / "data"
    run_server_command([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
                        "-E", "UTF8", "--locale=C", "--no-sync"], cwd=root)
    options = ["-c", f"port={port}", "-c", "listen_addresses=127.0.0.1",
               "-c", f"unix_socket_directories={socket_dir(root, port)}", *FAST_UNSAFE]
    log = root / "server.log"
    try:
        run_server_command([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                            "-t", "60", "-o", " ".join(options), "start"], cwd=root)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\nserver log:\n{log.read_text() if log.exists() else '(none)'}") from None
    return data


def socket_dir(root: Path, port: int) -> str:
    """The temp dir for the Unix socket, or '' (TCP only) when a long TMPDIR would overflow sun_path."""
    return str(root) if len(f"{root}/.s.PGSQL.{port}.lock") < 100 else "''"


def stop_cluster(bin_dir: Path, root: Path, data: Path) -> None:
    run_server_command([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], cwd=root)


def create_database(port: int, name: str = DATABASE) -> None:
    with psycopg.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def another_database(postgres_url: str, name: str) -> str:
    """A second empty database on the same test server, for tests that must not share state."""
    url = make_url(postgres_url)
    create_database(url.port, name)
    return url.set(database=name).render_as_string(hide_password=False)


def skip_reason(bin_dir: Path | None) -> str | None:
    """Why this machine cannot start a server, or None when it can."""
    if bin_dir is None:
        return ("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin nor in the pgserver wheel "
                "(make venv installs pgserver; or apt-get install postgresql)")
    if os.geteuid() == 0:
        if server_user() is None:
            return f"running as root and none of the users {', '.join(SERVER_USERS)} exists to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of an empty database on a private PostgreSQL server started for this test session."""
    bin_dir = find_bin_dir()
    reason = skip_reason(bin_dir)
    if reason:
        pytest.skip(reason)
    root = make_owned_tempdir()
    port = free_port()
    data = None
    try:
        data = start_cluster(bin_dir, root, port)
        create_database(port)
        yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        if data is not None:
            stop_cluster(bin_dir, root, data)
        shutil.rmtree(root, ignore_errors=True)
