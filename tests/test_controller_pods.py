"""management, zero-access, uptime-monitor, qa and ovc-versions."""
import hashlib
import os
import shutil
import subprocess

import pytest
import yaml

from .conftest import POD_OWNERS, container_named, environment, find, find_all, pod_spec, synth

MANAGEMENT_AND_BACKPLANE_IPS = ["10.199.0.11", "10.199.0.12", "10.199.0.13", "10.199.8.11", "10.199.8.12", "10.199.8.13"]
INTERNAL_SOURCES = [{"ipBlock": {"cidr": "10.199.0.0/22"}}, {"ipBlock": {"cidr": "10.199.8.0/24"}}, {"ipBlock": {"cidr": "10.244.0.0/16"}}]
"""Management, backplane, and the pod network that clients forwarded by another controller come from (single instances)."""
SYSTEM_CONFIG_MOUNT = {"mountPath": "/opt/cfg/system/system-config.yaml", "name": "system-config", "readOnly": True,
                       "subPath": "system-config.yaml"}
QA_TAG = {"release": {"images": {"openvcloud/qa": "2.4.5.3"}}}
"""The shipped release 2.4.5.3 has no qa image; enabling qa needs its tag."""


def test_snapshot(example_manifests, yaml_snapshot):
    names = ("management", "zero-access", "uptime-monitor", "ovc-versions", "versions-manifest", "qa")
    assert [d for d in example_manifests if d["metadata"]["name"].startswith(names)] == yaml_snapshot


def test_management_ssh_is_internal(example_manifests):
    service = find(example_manifests, "Service", "management-internal")
    assert service["spec"]["ports"] == [{"name": "ssh", "port": 2205, "protocol": "TCP", "targetPort": 2205}]
    assert service["spec"]["externalIPs"] == MANAGEMENT_AND_BACKPLANE_IPS
    assert service["spec"]["type"] == "ClusterIP", "operators reach it on any controller's backplane IP; a ClusterIP with the controllers' addresses: no NodePort opens it on the public IPs"
    assert find(example_manifests, "NetworkPolicy", "management-internal")["spec"]["ingress"][0]["from"] == INTERNAL_SOURCES
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"] == "management"]


def test_management_reads_the_whole_system_config_as_a_directory(example_manifests):
    deployment = find(example_manifests, "Deployment", "management")
    assert container_named(deployment, "management")["image"] == "openvcloud/management:2.4.5.3"
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == ["merge-system-config", "prepare-sshd"]
    groups = container_named(deployment, "merge-system-config")["command"][-1]
    assert groups == "alerta,ipmi,itsyouonline,mail,password,ssh,support,switches", "the installer reads every secret value"
    assert container_named(deployment, "management")["volumeMounts"] == [
        {"mountPath": "/opt/cfg/system", "name": "system-config", "readOnly": True}, {"mountPath": "/root/.ssh", "name": "root-ssh"},
        {"mountPath": "/etc/ssh", "name": "host-keys"}]
    # Its own host keys on a synced host path: the image's baked ones are public, and a restart keeps them.
    host_keys = next(v for v in pod_spec(deployment)["volumes"] if v["name"] == "host-keys")["hostPath"]["path"]
    assert host_keys == "/var/ovc/management-hostkeys"
    synced = {v["hostPath"]["path"] for v in pod_spec(find(example_manifests, "DaemonSet", "billing-sync"))["volumes"] if "hostPath" in v}
    assert host_keys in synced
    assert container_named(deployment, "prepare-sshd")["command"] == container_named(
        find(example_manifests, "Deployment", "zero-access"), "prepare-sshd")["command"]
    # The installer calls the portal's REST API.
    policy = find(example_manifests, "NetworkPolicy", "portal-from-management")
    assert policy["spec"]["ingress"][0]["ports"] == [{"port": 82, "protocol": "TCP"}]


def test_management_moves_sshd_to_2205_and_puts_the_installer_on_path(example_manifests):
    deployment = find(example_manifests, "Deployment", "management")
    management = container_named(deployment, "management")
    assert management["command"] == ["/bin/bash", "-c", "python3 /var/run/init-ssh.py && exec /sbin/my_init"]
    env = {e["name"]: e["value"] for e in management["env"]}
    assert env["ENV_CONFIG"] == "/opt/cfg/system/system-config.yaml"
    assert env["PATH"].endswith(":/opt/code/github/0-complexity/openvcloud_installer/scripts/install/")
    assert management["ports"] == [{"containerPort": 2205, "name": "ssh", "protocol": "TCP"}]
    assert management["readinessProbe"]["tcpSocket"] == {"port": 2205}
    ssh = next(v for v in pod_spec(deployment)["volumes"] if v["name"] == "root-ssh")
    assert ssh["hostPath"] == {"path": "/var/ovc/.ssh", "type": "Directory"}


@pytest.mark.parametrize("name", ["management", "zero-access"])
def test_sshd_images_get_what_sshd_needs_and_nothing_more(example_manifests, name):
    security = container_named(find(example_manifests, "Deployment", name), name)["securityContext"]
    assert security["runAsUser"] == 0 and security["allowPrivilegeEscalation"] is False and security["privileged"] is False
    assert security["capabilities"] == {"drop": ["ALL"], "add": [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID", "SYS_CHROOT"]}
    assert security["readOnlyRootFilesystem"] is False, "init-ssh.py and 0-access edit files and add users in the image"


def test_zero_access_publishes_ssh_on_the_public_addresses_it_advertises(example_manifests):
    public = find(example_manifests, "Service", "zero-access-public")
    assert public["spec"]["ports"] == [{"name": "ssh", "nodePort": 30722, "port": 7022, "protocol": "TCP", "targetPort": 22}]
    assert public["spec"]["externalIPs"] == ["185.69.164.11", "185.69.164.12", "185.69.164.13"]
    assert public["spec"]["externalTrafficPolicy"] == "Cluster", "the one pod answers on every controller's public IP"
    portal = find(example_manifests, "Service", "portal-public")["spec"]
    assert portal["externalTrafficPolicy"] == "Local", "a pod on every node: client addresses reach nginx"
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"] == "zero-access-internal"]
    cluster = find(example_manifests, "Service", "zero-access")
    assert [(p["port"], p["targetPort"]) for p in cluster["spec"]["ports"]] == [(7022, 22), (5000, 5000)]
    # nginx serves its HTTP side at https://<fqdn>/0-access/.
    policy = find(example_manifests, "NetworkPolicy", "zero-access-from-portal")
    assert policy["spec"]["ingress"][0]["ports"] == [{"port": 5000, "protocol": "TCP"}]


def test_zero_access_runs_as_its_image_expects(example_manifests):
    deployment = find(example_manifests, "Deployment", "zero-access")
    zero_access = container_named(deployment, "zero-access")
    assert zero_access["command"] == ["/usr/bin/python3", "/opt/0-access/0-access-start.py"]
    assert zero_access["readinessProbe"]["httpGet"] == {"path": "/ping", "port": 5000}
    assert zero_access["workingDir"] == "/var/recordings", "its SQLite database survives a restart"
    mounts = {m["mountPath"]: m["name"] for m in zero_access["volumeMounts"]}
    assert mounts == {"/opt/cfg/system/system-config.yaml": "system-config", "/var/recordings": "recordings",
                      "/etc/ssh": "host-keys", "/root/.ssh": "root-ssh"}
    volumes = {v["name"]: v["hostPath"]["path"] for v in pod_spec(deployment)["volumes"] if "hostPath" in v}
    assert volumes == {"recordings": "/var/ovc/0-access", "host-keys": "/var/ovc/0-access-hostkeys", "root-ssh": "/var/ovc/.ssh"}
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == ["merge-system-config", "prepare-sshd"]
    assert container_named(deployment, "prepare-sshd")["volumeMounts"] == [{"mountPath": "/host-keys", "name": "host-keys"}]
    synced = {v["hostPath"]["path"] for v in pod_spec(find(example_manifests, "DaemonSet", "billing-sync"))["volumes"] if "hostPath" in v}
    assert {"/var/ovc/0-access", "/var/ovc/0-access-hostkeys", "/var/ovc/pxeboot"} <= synced


@pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="ssh-keygen (Debian package openssh-client) is installed by `make test`")
def test_prepare_sshd_copies_the_configuration_once_and_generates_own_host_keys(example_manifests, tmp_path):
    script = container_named(find(example_manifests, "Deployment", "zero-access"), "prepare-sshd")["command"][-1]
    image_etc_ssh, host_keys = tmp_path / "etc-ssh", tmp_path / "host-keys"
    image_etc_ssh.mkdir()
    host_keys.mkdir()
    (image_etc_ssh / "sshd_config").write_text("Port 22\n")
    (image_etc_ssh / "moduli").write_text("baked\n")
    (image_etc_ssh / "ssh_host_rsa_key").write_text("the image's baked, public key\n")

    def run():
        result = subprocess.run(["bash", "-c", script], env={"PATH": os.environ["PATH"], "SSH_SOURCE": str(image_etc_ssh),
                                                            "HOST_KEYS": str(host_keys)}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr

    run()
    assert sorted(p.name for p in host_keys.iterdir()) == [
        "moduli", "ssh_host_ecdsa_key", "ssh_host_ecdsa_key.pub", "ssh_host_ed25519_key", "ssh_host_ed25519_key.pub",
        "ssh_host_rsa_key", "ssh_host_rsa_key.pub", "sshd_config"]
    assert "baked" not in (host_keys / "ssh_host_rsa_key").read_text()
    keys = {p.name: p.read_bytes() for p in host_keys.iterdir()}
    (host_keys / "sshd_config").write_text("Port 22\nPermitRootLogin no\n")
    run()
    assert (host_keys / "sshd_config").read_text().endswith("PermitRootLogin no\n"), "an edited configuration is kept"
    assert {p.name: p.read_bytes() for p in host_keys.iterdir() if p.name != "sshd_config"} == {
        k: v for k, v in keys.items() if k != "sshd_config"}, "host keys never change once made"


def test_qa_as_its_image_expects():
    out = synth(environment(qa={"enabled": True, "exposure": ["internal"], "node_port": 32222}, **QA_TAG))
    deployment = find(out, "Deployment", "qa")
    qa = container_named(deployment, "qa")
    assert qa["command"] == ["/bin/bash", "-c", "jspython /var/run/scripts/system/configure-system.py && exec /sbin/my_init"]
    assert [e["name"] for e in qa["env"]] == ["PATH"], "the GitLab token is read from a file, never an environment variable"
    assert '--token "$(cat /etc/gitlab-ci/token)" --runners "$(cat /etc/gitlab-ci/runners)"' in qa["lifecycle"]["postStart"]["exec"]["command"][-1]
    assert qa["lifecycle"]["preStop"]["exec"]["command"] == ["gitlab-runner", "unregister", "--all-runners"]
    assert "NET_ADMIN" in qa["securityContext"]["capabilities"]["add"]
    mounts = {m["mountPath"]: m for m in qa["volumeMounts"]}
    assert mounts["/root/.ssh/authorized_keys"]["subPath"] == "authorized_keys"
    assert {"/opt/cfg/system", "/dev/net/tun", "/dev/shm", "/etc/gitlab-ci"} <= mounts.keys()
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["tester-keys"]["secret"] == {"secretName": "tester-keys", "defaultMode": 0o600}
    assert volumes["gitlab-ci"]["secret"] == {"secretName": "gitlab-ci", "defaultMode": 0o400}
    assert volumes["tun"]["hostPath"] == {"path": "/dev/net/tun", "type": "CharDevice"}
    assert volumes["shm"]["emptyDir"]["medium"] == "Memory"
    service = find(out, "Service", "qa-internal")
    assert service["spec"]["ports"] == [{"name": "ssh", "port": 22, "protocol": "TCP", "targetPort": 22}]


def test_zero_access_gets_only_the_itsyouonline_secret(example_manifests):
    deployment = find(example_manifests, "Deployment", "zero-access")
    assert container_named(deployment, "merge-system-config")["command"][-1] == "itsyouonline"
    assert SYSTEM_CONFIG_MOUNT in container_named(deployment, "zero-access")["volumeMounts"]
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    keys = [i["key"] for source in volumes["g8-secrets"]["projected"]["sources"] for i in source["secret"]["items"]]
    assert keys == ["itsyouonline-client-secret"]


def test_uptime_monitor_receives_heartbeats_on_9500_udp(example_manifests):
    service = find(example_manifests, "Service", "uptime-monitor-internal")
    assert service["spec"]["ports"] == [{"name": "heartbeat", "port": 9500, "protocol": "UDP", "targetPort": 9500}]
    assert service["spec"]["externalIPs"] == MANAGEMENT_AND_BACKPLANE_IPS
    assert service["spec"]["type"] == "ClusterIP", "heartbeats are not retried: every controller must take them"
    policy = find(example_manifests, "NetworkPolicy", "uptime-monitor-internal")
    assert policy["spec"]["ingress"][0]["from"] == INTERNAL_SOURCES
    assert policy["spec"]["ingress"][0]["ports"] == [{"port": 9500, "protocol": "UDP"}]
    monitor = container_named(find(example_manifests, "Deployment", "uptime-monitor"), "uptime-monitor")
    assert monitor["ports"] == [{"containerPort": 9500, "name": "heartbeat", "protocol": "UDP"}]
    # uptime_monitor.py also listens on TCP 9500, which the probes use.
    for probe in ("livenessProbe", "readinessProbe"):
        assert monitor[probe]["tcpSocket"] == {"port": 9500}


def test_uptime_monitor_runs_with_the_configured_jumpscale_directory(example_manifests):
    deployment = find(example_manifests, "Deployment", "uptime-monitor")
    monitor = container_named(deployment, "uptime-monitor")
    assert monitor["image"] == "openvcloud/cb_master:2.4.5.3"
    assert monitor["command"] == ["jspython", "uptime_monitor.py"]
    assert monitor["workingDir"] == "/opt/jumpscale7/apps/heartbeat"
    assert monitor["volumeMounts"] == [{"mountPath": "/opt/jumpscale7/cfg", "name": "jumpscale-cfg"}, SYSTEM_CONFIG_MOUNT]
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == [
        "wait-for-osis", "wait-for-agentcontroller", "merge-system-config", "system-init"]
    init = container_named(deployment, "system-init")
    assert init["command"] == ["jspython", "/var/run/scripts/system/configure-system.py"]
    assert init["volumeMounts"] == [{"mountPath": "/opt/cfgdir", "name": "jumpscale-cfg"}, SYSTEM_CONFIG_MOUNT]
    assert container_named(deployment, "merge-system-config")["command"][-1] == "alerta,password"
    for dependency in ("osis", "agentcontroller"):
        assert find(example_manifests, "NetworkPolicy", f"{dependency}-from-uptime-monitor")


def test_dependencies(example_manifests):
    def waits(name):
        return [c["name"] for c in pod_spec(find(example_manifests, "Deployment", name))["initContainers"] if c["name"].startswith("wait-for-")]

    assert waits("management") == [] and waits("zero-access") == []
    assert waits("uptime-monitor") == ["wait-for-osis", "wait-for-agentcontroller"]
    order = [(d["kind"], d["metadata"]["name"]) for d in example_manifests]
    for dependency in (("DaemonSet", "osis"), ("Deployment", "agentcontroller")):
        assert order.index(dependency) < order.index(("Deployment", "uptime-monitor"))


def test_qa_is_off_by_default_and_each_pod_can_be_turned_off(example_manifests):
    assert not [d for d in example_manifests if d["metadata"]["name"] == "qa"]
    out = synth(environment(qa={"enabled": True}, management_pod={"enabled": False}, zero_access={"enabled": False},
                            uptime_monitor={"enabled": False}, ovc_versions={"enabled": False}, **QA_TAG))
    names = {d["metadata"]["name"] for d in find_all(out, "Deployment")}
    assert "qa" in names and not names & {"management", "zero-access", "uptime-monitor", "ovc-versions"}
    assert container_named(find(out, "Deployment", "qa"), "qa")["image"] == "openvcloud/qa:2.4.5.3"
    assert not [p for p in find_all(out, "NetworkPolicy") if p["metadata"]["name"].endswith("-from-uptime-monitor")]


def test_qa_needs_a_tag_from_the_release():
    from ovc_constructs import InvalidEnvironment

    with pytest.raises(InvalidEnvironment, match=r"release.images\['openvcloud/qa'\]: release 2.4.5.3 has no tag for openvcloud/qa"):
        environment(qa={"enabled": True})


def test_only_a_public_exposure_needs_a_node_port():
    from ovc_constructs import InvalidEnvironment

    internal = synth(environment(uptime_monitor={"node_port": None}))
    assert find(internal, "Service", "uptime-monitor-internal")["spec"]["type"] == "ClusterIP"
    with pytest.raises(InvalidEnvironment, match=r"uptime_monitor.node_port: required for a public exposure"):
        environment(uptime_monitor={"node_port": None, "exposure": ["internal", "public"]})


def deployed_images(manifests: list[dict]) -> set[str]:
    images = set()
    for doc in manifests:
        if doc["kind"] in POD_OWNERS:
            spec = pod_spec(doc)
            images |= {c["image"] for c in spec["containers"] + spec.get("initContainers", [])}
    return images


def test_versions_manifest_is_the_release_the_chart_runs(example_manifests):
    manifest = yaml.safe_load(find(example_manifests, "ConfigMap", "versions-manifest")["data"]["versions-manifest.yaml"])
    assert manifest["version"] == "2.4.5.3"
    assert manifest["url"] == "https://raw.githubusercontent.com/0-complexity/home/master/manifests/2.4.5.3.yml"
    assert manifest["images"]["mongo"] == "3.7.2"
    assert manifest["images"]["syncthing/syncthing"] == "0.14", "the environment's release.images override"
    assert [r["name"] for r in manifest["repos"]][:2] == ["OpenvCloud Core", "OpenvCloud Installer"]
    outside = set()
    for image in deployed_images(example_manifests):
        name, tag = image.split("@")[0].rsplit(":", 1)
        if name in manifest["images"]:
            assert manifest["images"][name] == tag, f"{image} is not the release's {name}:{manifest['images'][name]}"
        else:
            outside.add(image)
    # Only the library's own helpers run outside the release manifest: the wait/Job helper and the static nginx.
    assert outside == {"busybox:1.36", "nginx:1.12"}


def test_ovc_versions_serves_the_versions_manifest(example_manifests):
    deployment = find(example_manifests, "Deployment", "ovc-versions")
    volumes = {v["name"]: v["configMap"] for v in pod_spec(deployment)["volumes"] if "configMap" in v}
    assert volumes["content"]["name"] == "versions-manifest"
    assert volumes["content"]["items"] == [{"key": "versions-manifest.yaml", "path": "versions-manifest.yaml"}]
    assert volumes["config"]["name"] == "ovc-versions"
    nginx = container_named(deployment, "nginx")
    assert {"mountPath": "/srv/ovc-versions", "name": "content", "readOnly": True} in nginx["volumeMounts"]
    assert nginx["readinessProbe"]["httpGet"] == {"path": "/versions-manifest.yaml", "port": 8080}
    config = find(example_manifests, "ConfigMap", "ovc-versions")["data"]
    assert list(config) == ["nginx.conf"], "no generated manifest any more"
    assert "root /srv/ovc-versions;" in config["nginx.conf"] and "autoindex off;" in config["nginx.conf"]
    text = find(example_manifests, "ConfigMap", "versions-manifest")["data"]["versions-manifest.yaml"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["checksum/content"] == hashlib.sha256(text.encode()).hexdigest()


def test_versions_manifest_follows_an_image_change():
    out = synth(environment(release={"images": {"mongo": "3.4.24"}}))
    manifest = yaml.safe_load(find(out, "ConfigMap", "versions-manifest")["data"]["versions-manifest.yaml"])
    assert manifest["images"]["mongo"] == "3.4.24"
    assert container_named(find(out, "StatefulSet", "mongo"), "mongod")["image"] == "mongo:3.4.24"

    def checksum(manifests):
        return find(manifests, "Deployment", "ovc-versions")["spec"]["template"]["metadata"]["annotations"]["checksum/content"]

    assert checksum(out) != checksum(synth(environment())), "ovc-versions rolls to serve the new manifest"


def test_a_component_image_is_set_through_the_release_only():
    from ovc_constructs import InvalidEnvironment

    with pytest.raises(InvalidEnvironment, match=r"mongo.image: images come from the release manifest; set release.images\['mongo'\] instead"):
        environment(mongo={"image": "mongo:3.4.24"})


def test_ovc_versions_is_kubernetes_only_unless_configured(example_manifests):
    assert find(example_manifests, "Service", "ovc-versions")["spec"]["type"] == "ClusterIP"
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"].startswith("ovc-versions-")]
    out = synth(environment(ovc_versions={"exposure": ["kubernetes", "internal"]}))
    internal = find(out, "Service", "ovc-versions-internal")
    assert internal["spec"]["type"] == "ClusterIP" and "nodePort" not in internal["spec"]["ports"][0]
    assert internal["spec"]["externalIPs"] == MANAGEMENT_AND_BACKPLANE_IPS
    assert find(out, "NetworkPolicy", "ovc-versions-internal")["spec"]["ingress"][0]["from"] == INTERNAL_SOURCES


def test_ovc_versions_admits_its_readers(example_manifests):
    readers = {p["metadata"]["name"]: p["spec"]["ingress"] for p in find_all(example_manifests, "NetworkPolicy")
               if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "ovc-versions"}
    assert readers == {f"ovc-versions-from-{name}": [{"from": [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/instance": "be-g8-3", "app.kubernetes.io/name": name}}}], "ports": [{"port": 8080, "protocol": "TCP"}]}]
        for name in ("portal", "management")}
    without_management = synth(environment(management_pod={"enabled": False}))
    assert [p["metadata"]["name"] for p in find_all(without_management, "NetworkPolicy")
            if p["metadata"]["name"].startswith("ovc-versions-")] == ["ovc-versions-from-portal"]
