"""The backup and restore scripts' logic, run by busybox sh with fake mongodump/mongorestore."""
import os
import shutil
import subprocess
import time

import pytest

from ovc_constructs.files import SCRIPTS

BUSYBOX = shutil.which("busybox")
pytestmark = pytest.mark.skipif(BUSYBOX is None, reason="busybox (Debian package) is installed by `make test`")
APPLETS = ("sh", "date", "mv", "find", "rm", "ls", "grep", "sort", "tail", "echo", "cat")


@pytest.fixture
def sandbox(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for applet in APPLETS:
        (bin_dir / applet).symlink_to(BUSYBOX)
    record = tmp_path / "calls"
    (bin_dir / "mongodump").write_text(f'#!{BUSYBOX} sh\necho "$@" >> {record}\n'
                                       'for a in "$@"; do case "$a" in --archive=*) echo dump > "${a#--archive=}";; esac; done\n'
                                       'exit "${FAIL_DUMP:-0}"\n')
    (bin_dir / "mongorestore").write_text(f'#!{BUSYBOX} sh\necho "$@" >> {record}\n')
    for fake in ("mongodump", "mongorestore"):
        (bin_dir / fake).chmod(0o755)
    backup = tmp_path / "backup"
    backup.mkdir()

    def run(script, **env):
        result = subprocess.run([BUSYBOX, "sh", str(SCRIPTS / script)], capture_output=True, text=True, timeout=30,
                                env={"PATH": str(bin_dir), "BACKUP_DIR": str(backup), "MONGO_HOSTS": "rs0/m0:27017,m1:27017",
                                     "AUTH_DIR": str(tmp_path / "auth"), **env})
        calls = record.read_text().splitlines() if record.exists() else []
        record.unlink(missing_ok=True)
        return result, calls

    return backup, run


def aged(path, days):
    path.write_text("old")
    stamp = time.time() - days * 86400
    os.utime(path, (stamp, stamp))


def test_backup_writes_a_complete_archive_and_prunes_only_old_archives(sandbox):
    backup, run = sandbox
    aged(backup / "mongo-20200101T000000Z.archive.gz", 30)
    aged(backup / "mongo-20261118T000000Z.archive.gz", 2)
    aged(backup / "notes.txt", 30)
    aged(backup / "mongo-20200101T000000Z.archive.gz.partial", 30)
    result, calls = run("mongo-backup.sh", RETENTION_DAYS="7")
    assert result.returncode == 0, result.stderr
    assert calls and "--oplog --gzip --archive=" in calls[0] and "--host rs0/m0:27017,m1:27017" in calls[0]
    names = sorted(p.name for p in backup.iterdir())
    assert "mongo-20200101T000000Z.archive.gz" not in names
    assert {"mongo-20261118T000000Z.archive.gz", "notes.txt", "mongo-20200101T000000Z.archive.gz.partial"} <= set(names)
    new = [n for n in names if n.endswith(".archive.gz") and n != "mongo-20261118T000000Z.archive.gz"]
    assert len(new) == 1 and (backup / new[0]).read_text() == "dump\n"


def test_failed_dump_keeps_every_old_archive(sandbox):
    backup, run = sandbox
    aged(backup / "mongo-20200101T000000Z.archive.gz", 30)
    result, _ = run("mongo-backup.sh", RETENTION_DAYS="7", FAIL_DUMP="1")
    assert result.returncode != 0
    assert (backup / "mongo-20200101T000000Z.archive.gz").exists()
    assert not [p for p in backup.iterdir() if p.name.endswith(".archive.gz") and p.name != "mongo-20200101T000000Z.archive.gz"]


def test_restore_picks_the_newest_completed_archive_without_dropping(sandbox):
    backup, run = sandbox
    for name in ("mongo-20261101T023000Z.archive.gz", "mongo-20261120T023000Z.archive.gz", "mongo-20261121T023000Z.archive.gz.partial", "other.gz"):
        (backup / name).write_text("x")
    result, calls = run("mongo-restore.sh")
    assert result.returncode == 0, result.stderr
    assert calls == [f"--host rs0/m0:27017,m1:27017 --oplogReplay --gzip --archive={backup}/mongo-20261120T023000Z.archive.gz"]


def test_restore_of_a_chosen_archive_with_drop(sandbox):
    backup, run = sandbox
    (backup / "mongo-20261101T023000Z.archive.gz").write_text("x")
    (backup / "mongo-20261120T023000Z.archive.gz").write_text("x")
    result, calls = run("mongo-restore.sh", ARCHIVE="mongo-20261101T023000Z.archive.gz", DROP="yes")
    assert result.returncode == 0
    assert calls == [f"--host rs0/m0:27017,m1:27017 --oplogReplay --gzip --archive={backup}/mongo-20261101T023000Z.archive.gz --drop"]


@pytest.mark.parametrize("archive, message", [
    ("", "no completed archive in"),
    ("mongo-20261101T023000Z.archive.gz", "no such archive"),
    ("../etc/passwd", "ARCHIVE must be a completed archive's file name"),
    ("mongo-20261101T023000Z.archive.gz.partial", "ARCHIVE must be a completed archive's file name"),
])
def test_restore_refuses_what_it_cannot_restore(sandbox, archive, message):
    _, run = sandbox
    result, calls = run("mongo-restore.sh", **({"ARCHIVE": archive} if archive else {}))
    assert result.returncode == 2 and message in result.stderr
    assert calls == []


def test_with_access_control_both_scripts_authenticate(sandbox, tmp_path):
    backup, run = sandbox
    auth = tmp_path / "auth"
    auth.mkdir()
    (auth / "username").write_text("root")
    (auth / "password").write_text("p@ss word")
    result, calls = run("mongo-backup.sh", RETENTION_DAYS="7")
    assert result.returncode == 0, result.stderr
    assert calls[0].endswith("--username root --password p@ss word --authenticationDatabase admin")
    result, calls = run("mongo-restore.sh", DROP="yes")
    assert result.returncode == 0, result.stderr
    assert calls[0].endswith("--drop --username root --password p@ss word --authenticationDatabase admin")
