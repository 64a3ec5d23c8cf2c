"""Backups and restore as docs/operations.md describes them, taken while the server writes:

- SQLite: `sqlite3 FILE ".backup COPY"` during a stream of donations; the copy passes
  `PRAGMA integrity_check` and `opub-server ledger verify`, and a server started on it serves it.
- PostgreSQL: `pg_dump --format=custom` during the same stream; `pg_restore` into a new database; the
  restored ledger verifies and is still append-only (UPDATE refused by its trigger).
"""

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "lib"))
import opub_harness as h  # noqa: E402


class Donations:
    """Donations completing continuously, as the backup is taken."""

    def __init__(self, replica, project):
        self.replica, self.project = replica, project
        self.stop = threading.Event()
        self.done = 0
        self.failed = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        donor = h.Maintainer(self.replica.url)
        while not self.stop.is_set():
            answer = donor.donate(self.project, "1.00")
            if answer.status == 200:
                self.done += 1
            elif answer.status == 429:
                donor = h.Maintainer(self.replica.url)
            else:
                self.failed.append(repr(answer))

    def finish(self):
        self.stop.set()
        self.thread.join(30)


def world(replica, project):
    owner = h.Maintainer(replica.url)
    owner.claim(project)
    assert owner.donate(project, "40.00").status == 200
    for _ in range(3):
        key, created = owner.create_key(project)
        assert key, created


def sqlite_backup(checks, work):
    h.log("— SQLite: online backup while donations complete")
    original = os.path.join(work, "live.sqlite")
    copy = os.path.join(work, "backup.sqlite")
    replica = h.Replica("sqlite-server", work, f"sqlite://{original}")
    try:
        world(replica, "backup/sqlite")
        stream = Donations(replica, "backup/sqlite")
        time.sleep(1.5)
        result = subprocess.run(["sqlite3", original, f".backup '{copy}'"], capture_output=True, text=True)
        time.sleep(1.0)
        stream.finish()
        checks.check("sqlite3 .backup succeeds while the server writes", result.returncode == 0,
                     result.stderr.strip())
        checks.check("donations kept completing during the backup", stream.done > 5 and not stream.failed,
                     f"{stream.done} completed, failures: {stream.failed[:2]}")
    finally:
        replica.process.stop()
    integrity = subprocess.run(["sqlite3", copy, "PRAGMA integrity_check"], capture_output=True, text=True)
    checks.check("the copy passes PRAGMA integrity_check", integrity.stdout.strip() == "ok", integrity.stdout[:200])
    backed_up = int(h.Database(f"sqlite://{copy}").value("SELECT COUNT(*) FROM ledger_transactions"))
    live = int(h.Database(f"sqlite://{original}").value("SELECT COUNT(*) FROM ledger_transactions"))
    h.log(f"ledger transactions: {backed_up} in the copy, {live} in the live file at the end")
    checks.check("the copy is a snapshot taken mid-stream", 0 < backed_up < live, f"{backed_up} < {live}")
    h.ledger_verify(f"sqlite://{copy}", checks, "on the SQLite backup")
    restored = h.Replica("restored-sqlite", work, f"sqlite://{copy}")
    try:
        project = restored.api.get("/api/v1/projects/backup/sqlite")
        ready = restored.api.get("/readyz")
        checks.check("a server started on the restored copy serves it", project.status == 200 and ready.status == 200,
                     f"{project.status} {ready.status}")
    finally:
        restored.process.stop()
    h.ledger_verify(f"sqlite://{copy}", checks, "after serving the restored copy")


def postgres_backup(checks, work):
    h.log("— PostgreSQL: pg_dump while donations complete, pg_restore into a new database")
    source = os.environ["PG_URL"]
    pgbin = os.environ["PGBIN"]
    dump = os.path.join(work, "opub.dump")
    replica = h.Replica("postgres-server", work, source)
    try:
        world(replica, "backup/postgres")
        stream = Donations(replica, "backup/postgres")
        time.sleep(1.5)
        dsn = source.replace("postgres://", "postgresql://", 1)
        result = subprocess.run([os.path.join(pgbin, "pg_dump"), "--format=custom", f"--file={dump}", dsn],
                                capture_output=True, text=True)
        time.sleep(1.0)
        stream.finish()
        checks.check("pg_dump succeeds while the server writes", result.returncode == 0, result.stderr.strip()[:300])
        checks.check("donations kept completing during the dump", stream.done > 5 and not stream.failed,
                     f"{stream.done} completed, failures: {stream.failed[:2]}")
    finally:
        replica.process.stop()
    admin = h.Database(source)
    admin.rows("CREATE DATABASE restored")
    target = source.replace("/postgres?", "/restored?")
    result = subprocess.run([os.path.join(pgbin, "pg_restore"), "--no-owner", f"--dbname={target.replace('postgres://', 'postgresql://', 1)}",
                             dump], capture_output=True, text=True)
    checks.check("pg_restore into a new database succeeds", result.returncode == 0, result.stderr.strip()[:300])
    restored = h.Database(target)
    backed_up = int(restored.value("SELECT COUNT(*) FROM ledger_transactions"))
    live = int(admin.value("SELECT COUNT(*) FROM ledger_transactions"))
    h.log(f"ledger transactions: {backed_up} restored, {live} in the live database at the end")
    checks.check("the dump is a snapshot taken mid-stream", 0 < backed_up < live, f"{backed_up} < {live}")
    h.ledger_verify(target, checks, "on the restored PostgreSQL database")
    try:
        restored.rows("UPDATE ledger_transactions SET memo = 'edited' WHERE sequence = 1")
        refused = False
    except RuntimeError as error:
        refused = "append-only" in str(error)
    checks.check("the restored ledger is still append-only (UPDATE refused by its trigger)", refused)


def main():
    checks = h.Checks("backup and restore")
    work = h.Workdir("opub-backup.")
    try:
        sqlite_backup(checks, work.path)
        postgres_backup(checks, work.path)
        h.report_anomalies(checks)
    finally:
        work.remove()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
