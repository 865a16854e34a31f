"""Shared by the review plugin's tests: Datasette over a samples database, in process or as a server."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
METADATA = ROOT / "councilplans" / "datasette.yaml"


def metadata_for(db_file: Path) -> dict:
    """councilplans/datasette.yaml with its database key renamed to the file's stem (as `make serve` does)."""
    metadata = yaml.safe_load(METADATA.read_text())
    (database,) = metadata["databases"].values()
    metadata["databases"] = {db_file.stem: database}
    return metadata


def write_metadata(db_file: Path, target: Path) -> Path:
    target.write_text(yaml.safe_dump(metadata_for(db_file), sort_keys=False))
    return target


def db_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def rows(path: Path, sql: str, **params) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


class InProcess:
    """A Datasette instance with the project's metadata and plugins, queried through its own client."""

    def __init__(self, path: Path, metadata: dict | None = None):
        from datasette.app import Datasette

        self.name = path.stem
        self.ds = Datasette([str(path)], metadata=metadata or metadata_for(path))
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.ds.invoke_startup())

    def get(self, path: str, **kwargs):
        return self.loop.run_until_complete(self.ds.client.get(path, **kwargs))

    def close(self) -> None:
        self.loop.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(path: Path, metadata_file: Path, port: int, log: Path) -> subprocess.Popen:
    """`datasette serve` on 127.0.0.1 as `make serve` runs it (from the repository root); waits until it answers."""
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(metadata_file),
         "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"datasette exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/review", timeout=5) as answer:
                if answer.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"datasette did not answer on port {port} within 60 s:\n{log.read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)
