"""HostDirectories: every host directory a G8 mounts is prepared on every controller with its owner and mode,
by a script that is run here for real."""
import os
import shutil
import stat
import subprocess

import pytest

from ovc_constructs.component import HostDirectory
from ovc_constructs.files import SCRIPTS
from ovc_constructs.host_directories import HostDirectories, directory_list, plan

from .conftest import POD_OWNERS, container_named, find, pod_spec, site, synth_construct

BUSYBOX = shutil.which("busybox")
needs_busybox = pytest.mark.skipif(BUSYBOX is None, reason="busybox (Debian package) is installed by `make test`")


def listed(manifests: list[dict]) -> dict[str, str]:
    """path -> `MODE UID:GID` from the host-directories ConfigMap."""
    lines = find(manifests, "ConfigMap", "host-directories")["data"]["directories"].splitlines()
    return {path: f"{mode} {owner}" for mode, owner, _, path in (line.split(" ", 3) for line in lines)}


def test_snapshot(example_manifests, yaml_snapshot):
    assert [d for d in example_manifests if d["metadata"]["name"] == "host-directories"] == yaml_snapshot


def test_owners_and_modes_that_matter(example_manifests):
    directories = listed(example_manifests)
    assert directories["/var/ovc/.ssh"] == "700 0:0", "sshd refuses a key directory others can read"
    assert directories["/var/ovc/mongodb"] == "700 999:999", "a local volume is never created; mongod runs as 999"
    assert directories["/var/ovc/backups/mongodb"] == "750 999:999", "the backup CronJob writes as mongod's uid"
    assert directories["/var/ovc/0-access"] == "1777 0:0", "lash records each session as that session's own user"
    assert directories["/var/ovc/0-access/index"] == "755 0:0", "0-access opens its search index, it does not create it"
    assert directories["/var/ovc/billing"] == "755 0:0"


def test_every_host_directory_of_every_output_is_prepared(all_outputs):
    for name, manifests in all_outputs.items():
        if name == "standalone-mongo-with-auth":
            continue
        prepared = listed(manifests)
        for workload in manifests:
            if workload["kind"] not in POD_OWNERS or workload["metadata"]["name"] == "host-directories":
                continue
            for volume in pod_spec(workload).get("volumes", []):
                host = volume.get("hostPath")
                if host and host.get("type") in (None, "Directory", "DirectoryOrCreate"):
                    assert host["path"].rstrip("/") in prepared, f"{name}: {workload['metadata']['name']} mounts {host['path']}"
        for volume in (d for d in manifests if d["kind"] == "PersistentVolume"):
            assert volume["spec"]["local"]["path"] in prepared, f"{name}: local volume {volume['metadata']['name']}"


def test_first_in_apply_order_on_every_controller_with_three_capabilities(example_manifests):
    order = [(d["kind"], d["metadata"]["name"]) for d in example_manifests]
    first_workload = next(o for o in order if o[0] in POD_OWNERS)
    assert first_workload == ("DaemonSet", "host-directories")
    daemon_set = find(example_manifests, "DaemonSet", "host-directories")
    terms = pod_spec(daemon_set)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["ctrl-01", "ctrl-02", "ctrl-03"]
    prepare = container_named(daemon_set, "prepare")
    assert prepare["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER"]}
    verify = container_named(daemon_set, "verify")
    assert verify["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert verify["readinessProbe"]["exec"]["command"] == ["sh", "/config/prepare.sh", "--check"]
    assert all(m.get("readOnly") for m in verify["volumeMounts"])
    # Subdirectories are made inside their mounted parent: /var/ovc/0-access is mounted, its index is not.
    mounted = {m["mountPath"] for m in prepare["volumeMounts"]}
    assert "/host/var/ovc/0-access" in mounted and "/host/var/ovc/0-access/index" not in mounted


def test_two_different_needs_for_one_directory_are_refused():
    def build(chart):
        first = HostDirectories(chart, "a", site=site(3), directories=[HostDirectory("/var/ovc/x")])
        second = HostDirectories(chart, "b", site=site(3), directories=[HostDirectory("/var/ovc/y")], name="host-directories-b")
        first.declare_host_directory(HostDirectory("/var/ovc/shared", 0o700))
        second.declare_host_directory(HostDirectory("/var/ovc/shared", 0o755))
        plan([first, second])

    with pytest.raises(ValueError, match=r"host directory /var/ovc/shared: .*a needs /var/ovc/shared \(mode 700.*b needs /var/ovc/shared \(mode 755"):
        synth_construct(build)


def run_script(tmp_path, directories, *args):
    (tmp_path / "directories").write_text(directory_list(directories))
    return subprocess.run([BUSYBOX, "sh", str(SCRIPTS / "prepare-host-directories.sh"), *args], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "HOST_ROOT": str(tmp_path / "host"),
                               "DIRECTORIES": str(tmp_path / "directories")}, timeout=30)


@needs_busybox
def test_the_script_prepares_then_verifies_and_reports_drift(tmp_path):
    uid, gid = os.getuid(), os.getgid()  # root in CI; any user can give directories to itself
    directories = [HostDirectory("/var/ovc/.ssh", 0o700, uid, gid), HostDirectory("/var/ovc/0-access", 0o1777, uid, gid),
                   HostDirectory("/var/ovc/0-access/index", 0o755, uid, gid), HostDirectory("/var/ovc/with space", 0o750, uid, gid)]
    assert run_script(tmp_path, directories, "--check").returncode == 1
    prepared = run_script(tmp_path, directories)
    assert prepared.returncode == 0, prepared.stderr
    for directory in directories:
        info = (tmp_path / "host" / directory.path.lstrip("/")).stat()
        assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == directory.mode and info.st_uid == uid
    assert run_script(tmp_path, directories, "--check").returncode == 0
    (tmp_path / "host/var/ovc/.ssh").chmod(0o755)
    drift = run_script(tmp_path, directories, "--check")
    assert drift.returncode == 1 and drift.stdout.strip() == f"/var/ovc/.ssh: mode and owner 755 {uid}:{gid}, expected 700 {uid}:{gid}"
    assert run_script(tmp_path, directories).returncode == 0 and run_script(tmp_path, directories, "--check").returncode == 0


@needs_busybox
@pytest.mark.skipif(os.getuid() != 0, reason="giving a directory to another user needs root (CI runs as root)")
def test_the_script_sets_foreign_owners_and_takes_over_old_data_when_asked(tmp_path):
    grafana = tmp_path / "host/var/ovc/grafana/plugins"
    grafana.mkdir(parents=True)
    (grafana / "grafana.db").write_text("written by the old image's grafana user")
    os.chown(grafana / "grafana.db", 104, 107)
    directories = [HostDirectory("/var/ovc/mongodb", 0o700, 999, 999), HostDirectory("/var/ovc/grafana", recursive=True)]
    assert run_script(tmp_path, directories).returncode == 0
    info = (tmp_path / "host/var/ovc/mongodb").stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (999, 999, 0o700)
    assert (grafana / "grafana.db").stat().st_uid == 0 and grafana.stat().st_uid == 0


def test_the_g8_key_pair_goes_into_the_ssh_directory(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "host-directories")
    assert [c["name"] for c in pod_spec(daemon_set)["initContainers"]] == ["prepare", "install-ssh-key"]
    install = container_named(daemon_set, "install-ssh-key")
    mounts = {m["mountPath"]: m for m in install["volumeMounts"]}
    ssh = next(v for v in pod_spec(daemon_set)["volumes"] if v["name"] == mounts["/ssh"]["name"])
    assert ssh["hostPath"]["path"] == "/var/ovc/.ssh"
    secret = next(v for v in pod_spec(daemon_set)["volumes"] if v["name"] == mounts["/secret"]["name"])["secret"]
    assert secret == {"secretName": "g8-secrets", "defaultMode": 0o400, "items": [{"key": "ssh-private-key", "path": "id_rsa"}]}
    env = {e["name"]: e["value"] for e in install["env"]}
    assert env["PUBLIC_KEY"].startswith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKSJ58zB17sXb1XFrnySsnNkOfwTNGWB4lSujBo3fJzT")
    assert "ssh-key" not in {m["name"] for m in container_named(daemon_set, "verify")["volumeMounts"]}


@needs_busybox
def test_installing_the_key_pair_keeps_the_operators_authorized_keys(tmp_path):
    ssh, secret = tmp_path / "ssh", tmp_path / "id_rsa"
    ssh.mkdir(mode=0o700)
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n")
    (ssh / "authorized_keys").write_text("ssh-ed25519 AAAAoperator operator@laptop\n")
    public = "ssh-ed25519 AAAAg8 g8"

    def install():
        result = subprocess.run([BUSYBOX, "sh", str(SCRIPTS / "install-ssh-key.sh")], capture_output=True, text=True, timeout=30,
                                env={"PATH": os.environ["PATH"], "SSH_DIR": str(ssh), "PRIVATE_KEY_FILE": str(secret), "PUBLIC_KEY": public})
        assert result.returncode == 0, result.stderr

    install()
    install()
    assert (ssh / "id_rsa").read_text() == secret.read_text() and stat.S_IMODE((ssh / "id_rsa").stat().st_mode) == 0o600
    assert (ssh / "id_rsa.pub").read_text() == public + "\n"
    assert (ssh / "authorized_keys").read_text() == f"ssh-ed25519 AAAAoperator operator@laptop\n{public}\n", "added once, nothing removed"
    assert stat.S_IMODE((ssh / "authorized_keys").stat().st_mode) == 0o600
    assert sorted(p.name for p in ssh.iterdir()) == ["authorized_keys", "id_rsa", "id_rsa.pub"], "no temporary files left"
