"""PortalStack: four containers per node, configured by the JumpScale step and the portal bootstrap; the web front
(contract §9) rendered without the historical faults (§14) and checked by the real nginx, both TLS and public modes."""
import dataclasses
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from contextlib import contextmanager

import pytest

from ovc_constructs import load_environment
from ovc_constructs.portal import CONFIG_DIR, MAINTENANCE_PAGE, PORTALS_DIR, TLS_DIR, WebFront, maintenance_page, render_nginx_config

from .conftest import CONVERGED, container_named, environment, find, find_all, nodes, pod_spec, synth
from .fake_http import serve
from .tls import write_self_signed

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx (Debian package nginx-light) is installed by `make test`")
SYSTEM_CONFIG_MOUNT = {"mountPath": "/opt/cfg/system/system-config.yaml", "name": "system-config", "readOnly": True,
                       "subPath": "system-config.yaml"}
FQDN = "be-g8-3.gig.tech"
EXTRA_VHOSTS = {"portal": {"virtual_hosts": [
    {"name": "status", "upstream": "http://status.example.net"},
    {"name": "docs", "upstream": "https://10.199.0.1/docs/"},
]}}
SPLIT_CERTIFICATES = {"certificates": {"root": "root", "ovs": "ovs", "novnc": "root", "defense": "root"}}
"""One certificate for ovs-<fqdn>, another for every other name (as be-conv-1)."""


@pytest.fixture(scope="module")
def example():
    return environment()


def front(env=None, **changes) -> WebFront:
    """The web front G8Chart builds for `env` (the example by default), with `changes`."""
    return dataclasses.replace(WebFront.from_environment(env or environment()), **changes)


def maintenance(front: WebFront) -> WebFront:
    return dataclasses.replace(front, settings=front.settings.model_copy(update={"maintenance": True}))


def directives(config: str) -> str:
    """The config without its comments."""
    return re.sub(r"^\s*#.*\n", "", config, flags=re.M)


def server_block(config: str, name: str) -> str:
    """The HTTPS server block whose server_name starts with `name`."""
    match = re.search(rf"\n    server {{\n        listen 8443 [^\n]*\n(?:[^\n]*\n)*?        server_name {re.escape(name)}[ ;].*?\n    }}\n", config, re.S)
    assert match, f"no HTTPS server for {name}"
    return match.group(0)


# ---------------------------------------------------------------------------------------------- the pod


def test_snapshot(example_manifests, yaml_snapshot):
    portal = [d for d in example_manifests if d["metadata"]["name"].startswith("portal") or d["kind"] == "Certificate"]
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
    assert volumes["billing"]["hostPath"]["path"] == "/var/ovc/billing"
    assert volumes["versions-manifest"]["configMap"] == {
        "defaultMode": 292, "name": "versions-manifest", "items": [{"key": "versions-manifest.yaml", "path": "versions-manifest.yaml"}]}
    assert volumes["ovs-cred"]["secret"]["secretName"] == "ovs-cred"
    mounts = {m["name"]: m["mountPath"] for m in container_named(daemon_set, "portal")["volumeMounts"]}
    assert mounts["billing"] == "/opt/jumpscale7/var/resourcetracking"
    assert SYSTEM_CONFIG_MOUNT in container_named(daemon_set, "portal")["volumeMounts"]
    nginx = container_named(daemon_set, "nginx")
    assert nginx["securityContext"]["readOnlyRootFilesystem"] is True and nginx["securityContext"]["runAsUser"] >= 10000
    assert {"mountPath": CONFIG_DIR, "name": "nginx-config", "readOnly": True} in nginx["volumeMounts"]


def test_portal_runs_the_code_of_its_image(example_manifests):
    """Item 5: nothing hides the image's portal code, so a new image brings new code; billing stays on the host."""
    daemon_set = find(example_manifests, "DaemonSet", "portal")
    spec = pod_spec(daemon_set)
    for c in spec["containers"] + spec["initContainers"]:
        for m in c.get("volumeMounts", []):
            assert not (m["mountPath"] + "/").startswith(PORTALS_DIR + "/"), f"{c['name']} mounts {m['name']} over the portal code"
            assert not (PORTALS_DIR + "/").startswith(m["mountPath"].rstrip("/") + "/"), f"{c['name']} mounts {m['name']} above it"
    assert "seed-portal-data" not in [c["name"] for c in spec["initContainers"]]
    host_paths = [v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v]
    assert host_paths == ["/var/ovc/billing"]


def test_one_secret_volume_per_distinct_certificate(example_manifests):
    def tls_mounts(manifests):
        daemon_set = find(manifests, "DaemonSet", "portal")
        volumes = {v["name"]: v["secret"] for v in pod_spec(daemon_set)["volumes"] if v["name"].startswith("tls-")}
        mounts = {m["name"]: m["mountPath"] for m in container_named(daemon_set, "nginx")["volumeMounts"] if m["name"].startswith("tls-")}
        return volumes, mounts

    volumes, mounts = tls_mounts(example_manifests)
    assert volumes == {"tls-wildcard": {"defaultMode": 288, "secretName": "tls-wildcard"}}, "the example's one wildcard Secret"
    assert mounts == {"tls-wildcard": f"{TLS_DIR}/tls-wildcard"}
    volumes, mounts = tls_mounts(synth(load_environment(CONVERGED)))
    assert {name: v["secretName"] for name, v in volumes.items()} == {"tls-root": "tls-root", "tls-ovs": "tls-ovs"}
    assert mounts == {"tls-root": f"{TLS_DIR}/tls-root", "tls-ovs": f"{TLS_DIR}/tls-ovs"}
    portal = [c for c in pod_spec(find(example_manifests, "DaemonSet", "portal"))["containers"] if c["name"] != "nginx"]
    assert not [m for c in portal for m in c["volumeMounts"] if m["name"].startswith("tls-")], "only nginx reads the keys"


def test_public_node_ports_keep_client_addresses(example_manifests):
    public = find(example_manifests, "Service", "portal-public")
    assert public["spec"]["externalIPs"] == ["185.69.164.11", "185.69.164.12", "185.69.164.13"]
    assert public["spec"]["externalTrafficPolicy"] == "Local"
    assert sorted((p["port"], p["nodePort"]) for p in public["spec"]["ports"]) == [(80, 30080), (443, 30443)]
    policy = find(example_manifests, "NetworkPolicy", "portal-public")
    assert policy["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    assert find(example_manifests, "Service", "portal")["spec"]["ports"][0]["port"] == 82


def test_traefik_passthrough_mode():
    out = synth(environment(portal={"public": {"mode": "traefik"}, **EXTRA_VHOSTS["portal"]}))
    assert not [s for s in find_all(out, "Service") if s["metadata"]["name"] == "portal-public"]
    route = find(out, "IngressRouteTCP", "portal")
    assert route["spec"]["tls"] == {"passthrough": True}
    assert route["spec"]["entryPoints"] == ["websecure"]
    names = [FQDN, f"www.{FQDN}", f"status.{FQDN}", f"docs.{FQDN}", f"ovs-{FQDN}", f"novnc-{FQDN}", f"defense-{FQDN}"]
    assert route["spec"]["routes"][0]["match"] == " || ".join(f"HostSNI(`{name}`)" for name in names), "every name nginx serves"
    assert route["spec"]["routes"][0]["services"] == [{"name": "portal-nginx", "port": 443, "proxyProtocol": {"version": 2}}]
    assert find(out, "IngressRouteTCP", "portal-http")["spec"]["routes"][0]["match"] == "HostSNI(`*`)"
    policy = find(out, "NetworkPolicy", "portal-from-traefik")
    assert policy["spec"]["ingress"][0]["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}]
    config = find(out, "ConfigMap", "portal-nginx")["data"]["nginx.conf"]
    assert "listen 8443 ssl http2 default_server proxy_protocol;" in config and "real_ip_header proxy_protocol;" in config
    assert "listen 8080 default_server proxy_protocol;" in config


def test_cert_manager_issues_one_certificate_per_distinct_name():
    out = synth(environment(portal={"tls": {"mode": "cert-manager"}, **EXTRA_VHOSTS["portal"]}, **SPLIT_CERTIFICATES))
    certificates = {c["metadata"]["name"]: c["spec"] for c in find_all(out, "Certificate")}
    assert sorted(certificates) == ["tls-ovs", "tls-root"]
    assert certificates["tls-root"]["dnsNames"] == [FQDN, f"www.{FQDN}", f"status.{FQDN}", f"docs.{FQDN}", f"novnc-{FQDN}", f"defense-{FQDN}"]
    assert certificates["tls-ovs"]["dnsNames"] == [f"ovs-{FQDN}"]
    for name, spec in certificates.items():
        assert spec["secretName"] == name, "cert-manager writes the Secret nginx mounts"
        assert spec["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "letsencrypt"}
    volumes = {v["name"]: v for v in pod_spec(find(out, "DaemonSet", "portal"))["volumes"]}
    assert volumes["tls-root"]["secret"]["secretName"] == "tls-root" and volumes["tls-ovs"]["secret"]["secretName"] == "tls-ovs"


def test_cert_manager_without_cpu_or_storage_nodes_certifies_only_the_console():
    out = synth(environment(nodes=nodes(3), portal={"tls": {"mode": "cert-manager"}}, **SPLIT_CERTIFICATES))
    assert [(c["metadata"]["name"], c["spec"]["dnsNames"]) for c in find_all(out, "Certificate")] == [("tls-root", [FQDN, f"www.{FQDN}"])]


def test_existing_secret_mode_has_no_certificate(example_manifests):
    assert find_all(example_manifests, "Certificate") == []


def test_depends_on_osis_and_agentcontroller(example_manifests):
    init = [c["name"] for c in pod_spec(find(example_manifests, "DaemonSet", "portal"))["initContainers"]]
    assert init == ["wait-for-osis", "wait-for-agentcontroller", "merge-system-config", "system-init"]
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


def test_config_and_maintenance_changes_roll_the_pods(example_manifests):
    def checksum(manifests):
        return find(manifests, "DaemonSet", "portal")["spec"]["template"]["metadata"]["annotations"]["checksum/nginx-config"]

    on = synth(environment(portal={"maintenance": True}))
    assert len({checksum(example_manifests), checksum(synth(environment(**EXTRA_VHOSTS))), checksum(on)}) == 3
    files = find(on, "ConfigMap", "portal-nginx")["data"]
    assert sorted(files) == [MAINTENANCE_PAGE, "nginx.conf"] and files[MAINTENANCE_PAGE] == maintenance_page()


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


def test_chart_gives_the_portal_its_environment_front():
    import cdk8s

    from ovc_constructs import G8Chart

    for env in (environment(), load_environment(CONVERGED)):
        assert G8Chart(cdk8s.Testing.app(), env.name, environment=env).portal.front == WebFront.from_environment(env)


# ---------------------------------------------------------------------------------------------- the environment


def test_duplicate_virtual_host_is_an_error():
    from ovc_constructs import InvalidEnvironment

    vhosts = [{"name": "ovs", "upstream": "http://10.0.0.1"}, {"name": "ovs", "upstream": "http://10.0.0.2"}]
    with pytest.raises(InvalidEnvironment, match=r"portal.virtual_hosts\[1\].name: 'ovs' is already used"):
        environment(portal={"virtual_hosts": vhosts})


def test_virtual_host_cannot_take_a_name_of_the_web_front():
    from ovc_constructs import InvalidEnvironment

    with pytest.raises(InvalidEnvironment, match=rf"portal.virtual_hosts\[0\].name: www.{FQDN} is one of the web front's own names"):
        environment(portal={"virtual_hosts": [{"name": "www", "upstream": "http://10.0.0.1"}]})


@pytest.mark.parametrize("resolver", ["10.96.0.10;include /etc/passwd", "kube-dns valid=1s", "10.96.0.300", "kube dns", "a.b.1", "", "KUBE-DNS"])
def test_dns_resolver_is_an_address_or_a_name_only(resolver):
    from ovc_constructs import InvalidEnvironment

    with pytest.raises(InvalidEnvironment, match=r"portal.dns_resolver: .* is neither an IPv4 address nor a DNS name \(it is copied into nginx.conf\)"):
        environment(portal={"dns_resolver": resolver})


def test_dns_resolver_accepts_addresses_and_names():
    assert environment(portal={"dns_resolver": "10.96.0.10"}).portal.dns_resolver == "10.96.0.10"
    assert environment(portal={"dns_resolver": "coredns.kube-system.svc"}).portal.dns_resolver == "coredns.kube-system.svc"


def test_the_portal_code_host_path_is_gone():
    from ovc_constructs import InvalidEnvironment

    with pytest.raises(InvalidEnvironment, match="portal.data_host_path: unknown key"):
        environment(portal={"data_host_path": "/var/ovc/portals"})
    with pytest.raises(InvalidEnvironment, match="portal.tls.secret_name: unknown key"):
        environment(portal={"tls": {"secret_name": "tls-wildcard"}})


def test_web_front_refuses_what_is_not_an_address_or_a_name():
    with pytest.raises(ValueError):
        front(cpu_nodes=("10.0.0.1:80; include /etc/passwd",))
    with pytest.raises(ValueError):
        front(location="a b")
    with pytest.raises(ValueError):
        front(domain="example.org;")


# ---------------------------------------------------------------------------------------------- nginx.conf


def test_server_names_and_certificates_per_vhost():
    config = render_nginx_config(front(environment(**SPLIT_CERTIFICATES)), "openvcloud")
    for name, certificate in ((f"{FQDN} www.{FQDN}", "tls-root"), (f"ovs-{FQDN}", "tls-ovs"), (f"novnc-{FQDN}", "tls-root"),
                              (f"defense-{FQDN}", "tls-root")):
        block = server_block(config, name)
        assert f"        server_name {name};\n" in block
        assert f"ssl_certificate {TLS_DIR}/{certificate}/tls.crt;" in block
        assert f"ssl_certificate_key {TLS_DIR}/{certificate}/tls.key;" in block
    assert "listen 8443 ssl http2 default_server;" in server_block(config, FQDN)
    assert "ssl on" not in directives(config) and "ssl_protocols TLSv1.2 TLSv1.3;" in config
    assert not re.search(r"TLSv1(\.1)?[ ;]", config), "no TLS 1.0 or 1.1"
    assert not re.search(r"(?<![\w$])(RC4|DES|MD5|NULL|EXP)", config.split("ssl_ciphers", 1)[1].split(";", 1)[0])


def test_upstreams_are_the_nodes_backplane_addresses_with_ip_hash():
    config = render_nginx_config(front(), "openvcloud")
    assert "    upstream be-g8-3 {\n        ip_hash;\n        server 10.199.8.21:2001;\n        server 10.199.8.22:2001;\n    }\n" in config
    assert "    upstream ovs-be-g8-3 {\n        ip_hash;\n        server 10.199.8.31:2001;\n        server 10.199.8.32:2001;\n    }\n" in config
    converged = render_nginx_config(front(load_environment(CONVERGED)), "openvcloud")
    members = "        ip_hash;\n        server 10.201.8.11:2001;\n        server 10.201.8.12:2001;\n        server 10.201.8.13:2001;\n    }\n"
    assert f"    upstream be-conv-1 {{\n{members}" in converged and f"    upstream ovs-be-conv-1 {{\n{members}" in converged


def test_root_vhost_serves_the_ui_jslib_grafana_and_the_portal():
    block = server_block(render_nginx_config(front(), "openvcloud"), FQDN)
    assert "location = / {\n            return 301 /g8vdc/;" in block
    assert "location ~ ^/g8vdc$ {\n            return 301 /g8vdc/$is_args$args;" in block
    assert "location /g8vdc/ {\n            alias /opt/code/github/g8vdc/;" in block
    assert "location /jslib/ {\n            alias /opt/code/github/web_python/root/jslib/;" in block
    assert "set $grafana http://grafana.openvcloud.svc.cluster.local:3000;" in block
    assert "location / {\n            proxy_pass http://127.0.0.1:82;" in block
    assert 'add_header Strict-Transport-Security "max-age=31536000" always;' in block


def test_plain_http_redirects_to_https():
    config = render_nginx_config(front(), "openvcloud")
    assert f"server_name {FQDN} www.{FQDN};\n        return 301 https://{FQDN}$request_uri;" in config
    assert "server_name _;\n        return 301 https://$host$request_uri;" in config
    assert "absolute_redirect off;" in config, "redirects never carry the container ports"


def test_zero_access_is_proxied_only_when_it_exists():
    block = server_block(render_nginx_config(front(zero_access=True), "ns1"), FQDN)
    assert "location /0-access/ {\n            set $zero_access http://zero-access.ns1.svc.cluster.local:5000;" in block
    assert "rewrite ^/0-access/(.*)$ /$1 break;" in block
    # Its pages link root-absolute (/provision/<ip>, /ssh/<ip>): those links and its redirects stay under /0-access/.
    for path in ("ssh/", "provision/", "sessions", "search", "server/", "callback"):
        assert f"sub_filter '\"/{path}' '\"/0-access/{path}';" in block, path
    assert 'proxy_set_header Accept-Encoding "";' in block and "sub_filter_once off;" in block
    assert "proxy_redirect / /0-access/;" in block
    assert "0-access" not in directives(render_nginx_config(front(zero_access=False), "ns1"))
    assert "location /0-access/" not in render_nginx_config(front(environment(zero_access={"enabled": False})), "ns1")


def test_novnc_keeps_websockets_open_for_a_day():
    block = server_block(render_nginx_config(front(), "openvcloud"), f"novnc-{FQDN}")
    for line in ("proxy_pass http://be-g8-3;", "proxy_set_header Host novnc;", "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Connection $connection_upgrade;", "proxy_read_timeout 86400s;"):
        assert line in block
    assert "proxy_http_version 1.1;" in render_nginx_config(front(), "openvcloud")


def test_location_cookies_select_only_known_upstreams():
    """A cookie is the client's: it picks among this G8's upstreams and never names a host (no SSRF through the resolver)."""
    config = render_nginx_config(front(), "openvcloud")
    assert "map $cookie_ovs_proxy_location $ovs_upstream {\n        default ovs-be-g8-3;\n        be-g8-3 ovs-be-g8-3;\n    }" in config
    assert "map $cookie_ovc_proxy_location $defense_upstream {\n        default be-g8-3;\n        be-g8-3 be-g8-3;\n    }" in config
    upstreams = set(re.findall(r"upstream (\S+) \{", config))
    for variable in ("ovs_upstream", "defense_upstream"):
        values = re.search(rf"\${variable} {{\n(.*?)\n    }}", config, re.S).group(1)
        assert {line.split()[1].rstrip(";") for line in values.splitlines()} <= upstreams
    passes = re.findall(r"proxy_pass ([^;]+);", config)
    assert not [p for p in passes if "cookie" in p or "$ovclocation" in p]
    ovs = server_block(config, f"ovs-{FQDN}")
    assert 'add_header Set-Cookie "ovs_proxy_location=$ovs_location; Path=/; Secure";\n            return 302 /;' in ovs
    assert "proxy_pass http://$ovs_upstream;" in ovs and "proxy_set_header Host ovs;" in ovs and "X-Forwarded-Host $host;" in ovs
    defense = server_block(config, f"defense-{FQDN}")
    assert 'add_header Set-Cookie "ovc_proxy_target=$defense_target; Path=/; Secure";' in defense
    assert 'add_header Set-Cookie "ovc_proxy_location=$defense_location; Path=/; Secure";\n            return 302 /webfig;' in defense
    assert "proxy_pass http://$defense_upstream;" in defense


def test_a_location_that_spells_a_map_parameter_is_escaped():
    config = render_nginx_config(front(location="default"), "openvcloud")
    assert "        \\default ovs-default;\n" in config


def test_no_storage_nodes_no_ovs_no_cpu_nodes_no_novnc_or_defense():
    without_storage = front(storage_nodes=())
    config = render_nginx_config(without_storage, "openvcloud")
    assert "ovs-" not in config and "upstream be-g8-3 {" in config and f"server_name novnc-{FQDN};" in config
    assert without_storage.all_server_names() == [FQDN, f"www.{FQDN}", f"novnc-{FQDN}", f"defense-{FQDN}"]
    without_cpu = front(cpu_nodes=())
    config = render_nginx_config(without_cpu, "openvcloud")
    assert "novnc" not in config and "defense" not in config and "upstream be-g8-3 {" not in config
    assert without_cpu.all_server_names() == [FQDN, f"www.{FQDN}", f"ovs-{FQDN}"]
    assert "upstream" not in render_nginx_config(front(cpu_nodes=(), storage_nodes=()), "openvcloud"), "never an empty upstream"


def test_maintenance_serves_the_page_and_jslib_only():
    config = render_nginx_config(maintenance(front()), "openvcloud")
    block = server_block(config, FQDN)
    assert "error_page 503 /maintenance.html;" in block and "location / {\n            return 503;" in block
    assert f"alias {CONFIG_DIR}/{MAINTENANCE_PAGE};" in block and "location /jslib/ {" in block
    assert "upstream" not in config and "proxy_pass" not in config, "no portal, ovs, novnc or defense"
    assert "g8vdc" not in config and "grafana" not in config
    assert "<title>Maintenance</title>" in maintenance_page()


# ---------------------------------------------------------------------------------------------- the real nginx


def nginx_test(tmp_path, front: WebFront) -> str:
    """`nginx -t` on the rendered config; only the certificate directory and the resolver are substituted."""
    config = render_nginx_config(front, "openvcloud", resolver="127.0.0.1").replace(TLS_DIR, str(tmp_path / "tls"))
    for secret in front.certificate_names():
        write_self_signed(tmp_path / "tls" / secret)
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr and "[warn]" not in result.stderr, result.stderr
    # Every directive ends where it should: no include swallowed by a missing semicolon (contract §14 #4).
    assert [line for line in directives(config).splitlines() if line.strip() and not line.rstrip().endswith((";", "{", "}"))] == []
    return config


VARIANTS = {
    "split": lambda: front(),
    "converged": lambda: front(load_environment(CONVERGED)),
    "no-storage-nodes": lambda: front(storage_nodes=()),
    "no-cpu-nodes": lambda: front(cpu_nodes=()),
    "controllers-only": lambda: front(environment(nodes=nodes(3))),
    "maintenance": lambda: maintenance(front()),
    "maintenance-converged": lambda: maintenance(front(load_environment(CONVERGED))),
    "traefik": lambda: front(environment(portal={"public": {"mode": "traefik"}})),
    "traefik-maintenance": lambda: maintenance(front(environment(portal={"public": {"mode": "traefik"}}))),
    "cert-manager-split-certificates": lambda: front(environment(portal={"tls": {"mode": "cert-manager"}}, **SPLIT_CERTIFICATES)),
    "without-zero-access": lambda: front(zero_access=False),
    "extra-vhosts": lambda: front(environment(**EXTRA_VHOSTS)),
    "long-names": lambda: front(domain="a-rather-long-subdomain-for-a-g8." + "long-label." * 8 + "example.com",
                                location="a-rather-long-subdomain-for-a-g8"),
}


@needs_nginx
@pytest.mark.parametrize("variant", VARIANTS)
def test_real_nginx_accepts_the_generated_config(tmp_path, variant):
    web = VARIANTS[variant]()
    config = nginx_test(tmp_path, web)
    names = web.all_server_names() if not web.settings.maintenance else web.server_names("root")
    for name in names:
        assert re.search(rf"server_name ([^;]* )?{re.escape(name)}[ ;]", config), name


@needs_nginx
def test_real_nginx_rejects_a_broken_config(tmp_path):
    (tmp_path / "nginx.conf").write_text("events {}\nhttp { server { listen 8080; proxy_pass; } }\n")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode != 0


class Recorder:
    """A cpu or storage node's nginx: records what reaches it."""

    def __init__(self):
        self.requests = []

    def handle(self, method, path, query, body, headers):
        self.requests.append((path, headers.get("Host"), headers.get("Cookie")))
        return 200, b"node"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_nginx(tmp_path, web: WebFront, node_port: int):
    """The rendered config served by the real nginx on free ports, the nodes' port 2001 replaced by `node_port`."""
    ports = {8080: free_port(), 8443: free_port(), 8081: free_port()}
    config = render_nginx_config(web, "openvcloud", resolver="127.0.0.1").replace("/tmp/", f"{tmp_path}/")
    config = config.replace(TLS_DIR, str(tmp_path / "tls")).replace(CONFIG_DIR, str(tmp_path))
    config = config.replace(":2001;", f":{node_port};")
    for port, free in ports.items():
        config = config.replace(f"listen {port}", f"listen 127.0.0.1:{free}")
    if os.geteuid() == 0:
        config = "user root;\n" + config  # the workers read the test's private directory
    for secret in web.certificate_names():
        write_self_signed(tmp_path / "tls" / secret)
    (tmp_path / MAINTENANCE_PAGE).write_text(maintenance_page())
    (tmp_path / "nginx.conf").write_text(config)
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", ports[8081]), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                time.sleep(0.05)
        yield ports[8443]
    finally:
        process.terminate()
        process.wait(timeout=10)


def https_get(port: int, name: str, path: str, cookie: str = "") -> tuple[int, dict[str, list[str]], bytes]:
    """GET over TLS with SNI `name` (the throwaway certificates are not checked)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, context.wrap_socket(raw, server_hostname=name) as tls:
        request = f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n"
        tls.sendall(request.encode())
        response = b""
        while chunk := tls.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines:
        key, _, value = line.partition(":")
        headers.setdefault(key.strip().lower(), []).append(value.strip())
    return int(status_line.split()[1]), headers, body


@needs_nginx
def test_real_nginx_cookies_never_choose_the_host(tmp_path):
    node = Recorder()
    with serve(node) as url, running_nginx(tmp_path, front(cpu_nodes=("127.0.0.1",), storage_nodes=("127.0.0.1",)),
                                            int(url.rsplit(":", 1)[1])) as port:
        status, headers, _ = https_get(port, f"defense-{FQDN}", "/ovcinit/10.0.1.5/be-g8-3")
        assert (status, headers["location"]) == (302, ["/webfig"])
        assert sorted(headers["set-cookie"]) == ["ovc_proxy_location=be-g8-3; Path=/; Secure", "ovc_proxy_target=10.0.1.5; Path=/; Secure"]
        status, headers, _ = https_get(port, f"ovs-{FQDN}", "/ovcinit/be-g8-3")
        assert (status, headers["location"], headers["set-cookie"]) == (302, ["/"], ["ovs_proxy_location=be-g8-3; Path=/; Secure"])
        # A forged location (another host, an address, the metadata service) still reaches this G8's nodes only.
        for cookie in ("ovc_proxy_location=evil.example.com", "ovc_proxy_location=169.254.169.254", "ovc_proxy_location=be-g8-3"):
            assert https_get(port, f"defense-{FQDN}", "/webfig", cookie)[0] == 200, cookie
        for cookie in ("ovs_proxy_location=evil.example.com", "ovs_proxy_location=be-g8-3"):
            assert https_get(port, f"ovs-{FQDN}", "/", cookie)[0] == 200, cookie
        assert https_get(port, f"novnc-{FQDN}", "/vnc_auto.html?token=x")[0] == 200
    hosts = [host for _, host, _ in node.requests]
    assert hosts == [f"defense-{FQDN}"] * 3 + ["ovs"] * 2 + ["novnc"]


@needs_nginx
def test_real_nginx_maintenance_answers_503_with_the_page(tmp_path):
    with running_nginx(tmp_path, maintenance(front()), free_port()) as port:
        for path in ("/", "/restmachine/cloudbroker/grid/status", "/g8vdc/"):
            status, headers, body = https_get(port, FQDN, path)
            assert status == 503 and b"Down for maintenance" in body, path
            assert headers["strict-transport-security"] == ["max-age=31536000"]
        assert https_get(port, f"ovs-{FQDN}", "/")[0] == 503, "the other names get the page as well"
        assert https_get(port, FQDN, "/jslib/missing.js")[0] == 404, "jslib is still served from the image"
