"""Run a command against a throwaway PostgreSQL cluster: `make test-postgres`.

`python -m tests.pg_cluster CMD ...` creates a cluster in a temporary folder with the
`initdb` it finds (PATH, then Debian's /usr/lib/postgresql/*/bin), starts it on a free
port of 127.0.0.1 (durability off: it is thrown away), runs CMD with
BALAI_TEST_DATABASE_URL pointing at it, then stops the cluster and removes the folder.
PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user that
Debian's package creates. `cluster()` is the same for a program of its own (`make
bench-workers`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresMissing(RuntimeError):
    """No initdb or pg_ctl on this machine."""


@contextmanager
def cluster() -> Iterator[tuple[str, Path]]:
    """A throwaway cluster while the block runs: its URL and its data folder."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresMissing("PostgreSQL not found (initdb, pg_ctl): apt-get install postgresql")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="balai-pg-"))
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        postgres = pwd.getpwnam("postgres")
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    data, port = folder / "data", _free_port()
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log = str(folder / "log")
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", log, "-w", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres", data
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


def main(command: list[str]) -> int:
    try:
        with cluster() as (url, _data):
            env = {**os.environ, "BALAI_TEST_DATABASE_URL": url}
            return subprocess.run(command, env=env).returncode
    except PostgresMissing as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
