"""PortalStack: four containers per node, configured by the JumpScale step and the portal bootstrap, generated nginx config
checked by the real nginx, both TLS and public modes."""
import re
import shutil
import subprocess

import pytest

from ovc_constructs.portal import TLS_DIR, render_nginx_config, server_names

from .conftest import container_named, environment, find, find_all, nodes, pod_spec, synth
from .tls import write_self_signed

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
SYSTEM_CONFIG_MOUNT = {"mountPath": "/opt/cfg/system/system-config.yaml", "name": "system-config", "readOnly": True,
                       "subPath": "system-config.yaml"}
VHOSTS = [{"name": "ovs", "upstream": "http://10.199.0.21:8080"}, {"name": "defense", "upstream": "https://10.199.0.1"},
          {"name": "novnc", "upstream": "http://10.199.0.22:8091"}]
"""The historical virtual hosts of a G8 (the example environment, imported from a system config, has none)."""
EXTRA_VHOSTS = {"portal": {"virtual_hosts": [
    {"name": "ovs", "upstream": "http://10.199.0.21:8080"},
    {"name": "defense", "upstream": "https://10.199.0.1"},
    {"name": "novnc", "upstream": "http://10.199.0.22:8091/"},
    {"name": "status", "upstream": "http://status.example.net"},
]}}


def test_snapshot(example_manifests, yaml_snapshot):
    portal = [d for d in example_manifests if d["metadata"]["name"].startswith("portal")]
    assert portal == yaml_snapshot


def test_one_pod_per_node_with_nginx_portal_jsagent_and_redis(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "portal")
    spec = pod_spec(daemon_set)
    assert [c["name"] for c in spec["containers"]] == ["nginx", "portal", "jsagent", "redis"]
    assert [c["image"] for c in spec["containers"]] == [
        "openvcloud/nginx:2.4.5", "openvcloud/cb_master:2.4.5.3", "openvcloud/cb_master:2.4.5.3", "redis:3.2"]
    assert daemon_set["spec"]["updateStrategy"]["rollingUpdate"] == {"maxUnavailable": 1}


def test_portal_jsagent_uses_the_configured_directory(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "portal")
    jsagent = container_named(daemon_set, "jsagent")
    assert jsagent["command"] == ["jspython", "jsagent.py", "-i", "main"]
    assert jsagent["workingDir"] == "/opt/jumpscale7/apps/jsagent"
    assert jsagent["livenessProbe"]["httpGet"] == {"path": "/ping", "port": 4446}
    assert {"mountPath": "/opt/jumpscale7/cfg", "name": "jumpscale-cfg"} in jsagent["volumeMounts"]
    assert {"mountPath": "/opt/jumpscale7/cfg", "name": "jumpscale-cfg"} in container_named(daemon_set, "portal")["volumeMounts"]


def test_portal_and_redis_listen_on_localhost_nginx_is_the_public_listener(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "portal")
    redis = container_named(daemon_set, "redis")
    assert redis["args"][:5] == ["redis-server", "--port", "9999", "--bind", "127.0.0.1"]
    assert "ports" not in redis
    config = find(example_manifests, "ConfigMap", "portal-nginx")["data"]["nginx.conf"]
    assert "proxy_pass http://127.0.0.1:82;" in config
    public = find(example_manifests, "Service", "portal-public")
    assert {p["targetPort"] for p in public["spec"]["ports"]} == {8080, 8443}
    assert container_named(daemon_set, "portal")["ports"] == [{"containerPort": 82, "name": "portal", "protocol": "TCP"}]


def test_probes_per_container(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "portal")
    assert container_named(daemon_set, "portal")["livenessProbe"]["httpGet"] == {"path": "/ping", "port": 82}
    assert container_named(daemon_set, "nginx")["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": 8081}
    assert container_named(daemon_set, "redis")["livenessProbe"]["exec"]["command"] == ["redis-cli", "-p", "9999", "ping"]


def test_volumes_and_mount_paths(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "portal")
    volumes = {v["name"]: v for v in pod_spec(daemon_set)["volumes"]}
    assert volumes["portal-data"]["hostPath"]["path"] == "/var/ovc/portals"
    assert volumes["billing"]["hostPath"]["path"] == "/var/ovc/billing"
    assert volumes["tls"]["secret"]["secretName"] == "tls-wildcard", "the example's existing wildcard Secret"
    assert volumes["versions-manifest"]["configMap"] == {
        "defaultMode": 292, "name": "versions-manifest", "items": [{"key": "versions-manifest.yaml", "path": "versions-manifest.yaml"}]}
    assert volumes["ovs-cred"]["secret"]["secretName"] == "ovs-cred"
    mounts = {m["name"]: m["mountPath"] for m in container_named(daemon_set, "portal")["volumeMounts"]}
    assert mounts["portal-data"] == "/opt/jumpscale7/apps/portals"
    assert mounts["billing"] == "/opt/jumpscale7/var/resourcetracking"
    assert SYSTEM_CONFIG_MOUNT in container_named(daemon_set, "portal")["volumeMounts"]
    nginx = container_named(daemon_set, "nginx")
    assert nginx["securityContext"]["readOnlyRootFilesystem"] is True and nginx["securityContext"]["runAsUser"] >= 10000
    assert "seed-portal-data" in [c["name"] for c in pod_spec(daemon_set)["initContainers"]]
    assert container_named(daemon_set, "seed-portal-data")["volumeMounts"] == [{"mountPath": "/seed", "name": "portal-data"}]


def test_public_node_ports_keep_client_addresses(example_manifests):
    public = find(example_manifests, "Service", "portal-public")
    assert public["spec"]["externalIPs"] == ["185.69.164.11", "185.69.164.12", "185.69.164.13"]
    assert public["spec"]["externalTrafficPolicy"] == "Local"
    assert sorted((p["port"], p["nodePort"]) for p in public["spec"]["ports"]) == [(80, 30080), (443, 30443)]
    policy = find(example_manifests, "NetworkPolicy", "portal-public")
    assert policy["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    assert find(example_manifests, "Service", "portal")["spec"]["ports"][0]["port"] == 82


def test_traefik_passthrough_mode():
    out = synth(environment(portal={"public": {"mode": "traefik"}, "virtual_hosts": VHOSTS}))
    assert not [s for s in find_all(out, "Service") if s["metadata"]["name"] == "portal-public"]
    route = find(out, "IngressRouteTCP", "portal")
    assert route["spec"]["tls"] == {"passthrough": True}
    assert route["spec"]["entryPoints"] == ["websecure"]
    assert route["spec"]["routes"][0]["match"] == (
        "HostSNI(`be-g8-3.gig.tech`) || HostSNI(`ovs.be-g8-3.gig.tech`) || HostSNI(`defense.be-g8-3.gig.tech`) || HostSNI(`novnc.be-g8-3.gig.tech`)"
    )
    assert route["spec"]["routes"][0]["services"] == [{"name": "portal-nginx", "port": 443, "proxyProtocol": {"version": 2}}]
    assert find(out, "IngressRouteTCP", "portal-http")["spec"]["routes"][0]["match"] == "HostSNI(`*`)"
    policy = find(out, "NetworkPolicy", "portal-from-traefik")
    assert policy["spec"]["ingress"][0]["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}]
    config = find(out, "ConfigMap", "portal-nginx")["data"]["nginx.conf"]
    assert "listen 8443 ssl http2 default_server proxy_protocol;" in config and "real_ip_header proxy_protocol;" in config


def test_cert_manager_certificate_covers_every_name():
    out = synth(environment(portal={"tls": {"mode": "cert-manager"}, "virtual_hosts": VHOSTS}))
    certificate = find(out, "Certificate", "portal")
    assert certificate["spec"]["dnsNames"] == ["be-g8-3.gig.tech", "ovs.be-g8-3.gig.tech", "defense.be-g8-3.gig.tech", "novnc.be-g8-3.gig.tech"]
    assert certificate["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "letsencrypt"}
    assert certificate["spec"]["secretName"] == "tls-wildcard", "the secret named in the environment, written by cert-manager"
    volumes = {v["name"]: v for v in pod_spec(find(out, "DaemonSet", "portal"))["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "tls-wildcard"


def test_existing_secret_mode_has_no_certificate():
    out = synth(environment(portal={"tls": {"mode": "secret", "secret_name": "g8-wildcard"}}))
    assert find_all(out, "Certificate") == []
    volumes = {v["name"]: v for v in pod_spec(find(out, "DaemonSet", "portal"))["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "g8-wildcard"


def test_depends_on_osis_and_agentcontroller(example_manifests):
    init = [c["name"] for c in pod_spec(find(example_manifests, "DaemonSet", "portal"))["initContainers"]]
    assert init == ["wait-for-osis", "wait-for-agentcontroller", "merge-system-config", "system-init", "seed-portal-data"]
    assert find(example_manifests, "NetworkPolicy", "osis-from-portal")["spec"]["ingress"][0]["ports"] == [{"port": 5544, "protocol": "TCP"}]
    assert find(example_manifests, "NetworkPolicy", "agentcontroller-from-portal")["spec"]["ingress"][0]["ports"] == [
        {"port": 4444, "protocol": "TCP"}]
    assert find(example_manifests, "NetworkPolicy", "portal-from-management")["spec"]["ingress"][0]["ports"] == [
        {"port": 82, "protocol": "TCP"}]


def test_merges_the_secrets_the_bootstrap_reads(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "portal")
    merge = container_named(daemon_set, "merge-system-config")
    assert merge["command"][-1] == "alerta,itsyouonline,mail,password"
    volumes = {v["name"]: v for v in pod_spec(daemon_set)["volumes"]}
    keys = [i["key"] for source in volumes["g8-secrets"]["projected"]["sources"] for i in source["secret"]["items"]]
    assert sorted(keys) == ["alerta-api-key", "environment-password", "itsyouonline-client-secret", "mailclient-password"]


def test_system_init_configures_then_bootstraps_the_portal(example_manifests):
    init = container_named(find(example_manifests, "DaemonSet", "portal"), "system-init")
    assert init["image"] == "openvcloud/cb_master:2.4.5.3"
    assert init["command"][:2] == ["/bin/bash", "-c"]
    script = init["command"][2].splitlines()
    assert script[0] == "set -e"
    assert script[-2:] == ['jspython /var/run/scripts/system/configure-system.py --machineguid "$guid"',
                           "jspython /var/run/scripts/portal/configure-portal.py"]
    assert init["env"] == [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
    assert init["volumeMounts"] == [
        {"mountPath": "/opt/cfgdir", "name": "jumpscale-cfg"},
        SYSTEM_CONFIG_MOUNT,
        {"mountPath": "/opt/cfg/version/versions-manifest.yaml", "name": "versions-manifest", "readOnly": True,
         "subPath": "versions-manifest.yaml"},
        {"mountPath": "/etc/ovscred", "name": "ovs-cred", "readOnly": True},
    ]


def machine_guids(manifests: list[dict]) -> dict[str, str]:
    """The portal's per-node machine GUIDs, read back from the case statement of its system-init script."""
    script = container_named(find(manifests, "DaemonSet", "portal"), "system-init")["command"][2]
    return dict(re.findall(r"^  ([a-z0-9-]+)\) guid=([0-9a-f]+) ;;$", script, re.M))


def test_portal_machine_guid_is_distinct_per_controller(example_manifests):
    guids = machine_guids(example_manifests)
    assert sorted(guids) == ["ctrl-01", "ctrl-02", "ctrl-03"]
    assert len(set(guids.values())) == 3
    for guid in guids.values():
        assert re.fullmatch(r"03[0-9a-f]{10}", guid), guid
    assert not set(guids.values()) & {"000000000001", "000000000002"}, "the controller jsagent and the agent controller"
    script = container_named(find(example_manifests, "DaemonSet", "portal"), "system-init")["command"][2]
    assert '*) echo "no machine GUID for node $NODE_NAME" >&2; exit 1 ;;' in script, "an unknown node stops, never shares a GUID"


def test_portal_machine_guids_follow_the_node_not_its_position():
    five = machine_guids(synth(environment(nodes=nodes(5))))
    assert len(five) == 5 and len(set(five.values())) == 5
    reordered = machine_guids(synth(environment(nodes=list(reversed(nodes(5))))))
    assert reordered == five


def test_config_change_rolls_the_pods():
    def checksum(env):
        return find(synth(env), "DaemonSet", "portal")["spec"]["template"]["metadata"]["annotations"]["checksum/nginx-config"]

    assert checksum(environment()) == checksum(environment())
    assert checksum(environment()) != checksum(environment(**EXTRA_VHOSTS))


def test_system_config_change_rolls_the_pods():
    """The system config is merged into a pod-local file at start only, so a change must change the pod template."""
    def pod(env):
        out = synth(env)
        return out, find(out, "DaemonSet", "portal")["spec"]["template"]

    before, template = pod(environment())
    after, changed = pod(environment(mail={"server": "smtp2.example.org"}))
    assert find(before, "ConfigMap", "system-config")["data"] != find(after, "ConfigMap", "system-config")["data"]
    unchanged = template == changed
    assert not unchanged, "a system-config change leaves the portal pods running with the old merged config"


def test_duplicate_virtual_host_is_an_error():
    from ovc_constructs import InvalidEnvironment

    vhosts = [{"name": "ovs", "upstream": "http://10.0.0.1"}, {"name": "ovs", "upstream": "http://10.0.0.2"}]
    with pytest.raises(InvalidEnvironment, match=r"portal.virtual_hosts\[1\].name: 'ovs' is already used"):
        environment(portal={"virtual_hosts": vhosts})


@pytest.mark.skipif(NGINX is None, reason="nginx (Debian package nginx-light) is installed by `make test`")
@pytest.mark.parametrize("overrides", [{}, EXTRA_VHOSTS, {"portal": {"public": {"mode": "traefik"}, "virtual_hosts": VHOSTS}}],
                         ids=["example", "extra-vhosts", "traefik"])
def test_real_nginx_accepts_the_generated_config(tmp_path, overrides):
    env = environment(**overrides)
    # Two substitutions only: throwaway certificates instead of the Secret mount, and a resolver that exists here.
    config = render_nginx_config(env.fqdn, env.namespace, env.portal, resolver="127.0.0.1")
    config = config.replace(TLS_DIR, str(tmp_path / "tls"))
    write_self_signed(tmp_path / "tls")
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    for name in server_names(env.fqdn, env.portal):
        assert f"server_name {name};" in config


@pytest.mark.skipif(NGINX is None, reason="nginx is installed by `make test`")
def test_real_nginx_rejects_a_broken_config(tmp_path):
    (tmp_path / "nginx.conf").write_text("events {}\nhttp { server { listen 8080; proxy_pass; } }\n")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode != 0
