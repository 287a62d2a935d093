"""What a security reviewer expects of every pod, and that every checkov skip is justified and documented."""
import re

import pytest

from .conftest import POD_OWNERS, ROOT, environment, find, pod_spec, synth

SECURITY_DOC = ROOT / "docs" / "security.md"
SECRETS_DOC = ROOT / "docs" / "secrets.md"


def pods(outputs):
    for name, docs in outputs.items():
        for doc in docs:
            if doc["kind"] in POD_OWNERS:
                yield name, doc, docs


def skips(doc) -> dict[str, str]:
    return dict(v.split("=", 1) for k, v in (doc["metadata"].get("annotations") or {}).items() if k.startswith("checkov.io/skip"))


@pytest.fixture(scope="module")
def with_pull_secret() -> list[dict]:
    """The example with seed 002's registry credentials (the imported examples configure none)."""
    return synth(environment(image_pull_secrets=["regcred"]))


def test_every_pod_has_seccomp_its_own_token_less_service_account_and_pull_secrets(all_outputs, with_pull_secret):
    for env, doc, docs in pods({**all_outputs, "with-pull-secret": with_pull_secret}):
        spec = pod_spec(doc)
        where = f"{env}: {doc['kind']}/{doc['metadata']['name']}"
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        account = find(docs, "ServiceAccount", spec["serviceAccountName"])
        assert account["automountServiceAccountToken"] is False and spec["serviceAccountName"] != "default", where
        if env == "with-pull-secret":
            assert spec["imagePullSecrets"] == [{"name": "regcred"}], where
        elif env in ("be-g8-3", "be-conv-1"):
            assert "imagePullSecrets" not in spec, f"{where}: the example names no pull secret"


SSHD = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID", "SYS_CHROOT"}
ADDED_CAPABILITIES = {
    "dnsmasq": {"NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW"},  # DHCP and TFTP ports, raw DHCP replies
    "pxeboot-init": {"NET_ADMIN"},  # the management gateway address on mgmt
    "management": SSHD, "zero-access": SSHD, "qa": SSHD | {"NET_ADMIN"},  # sshd under phusion's my_init
    "prepare": {"CHOWN", "DAC_OVERRIDE", "FOWNER"},  # HostDirectories: owners and modes of host directories
}
"""The only containers that add capabilities, and at most which."""


def test_every_container_drops_capabilities_and_cannot_escalate(all_outputs):
    for env, doc, _ in pods(all_outputs):
        spec = pod_spec(doc)
        skipped = skips(doc)
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{env}: {doc['kind']}/{doc['metadata']['name']}/{container['name']}"
            context = container["securityContext"]
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
            if context.get("privileged"):
                assert "CKV_K8S_16" in skipped and env == "privileged-pxe-all-pods", where
                continue
            assert context["allowPrivilegeEscalation"] is False, where
            assert set(context["capabilities"].get("add", [])) <= ADDED_CAPABILITIES.get(container["name"], set()), where
            if not context["readOnlyRootFilesystem"]:
                assert "CKV_K8S_22" in skipped, f"{where}: writable root without a recorded reason"
            if context["runAsUser"] == 0:
                assert "CKV_K8S_23" in skipped, f"{where}: root without a recorded reason"


JUMPSCALE_PODS = {"osis", "agentcontroller", "jsagent", "portal", "stats-collector", "uptime-monitor"}
"""Pods of JumpScale processes: the system config is merged, then the JumpScale configuration step runs."""
SYSTEM_CONFIG_PODS = JUMPSCALE_PODS | {"management", "zero-access", "qa"}
"""Pods that read the merged system config (and so see some secret values)."""
NO_CAPABILITIES = {"drop": ["ALL"]}


def init_container(spec: dict, name: str) -> dict:
    matches = [c for c in spec.get("initContainers", []) if c["name"] == name]
    assert len(matches) == 1, f"expected one init container {name}, found {len(matches)}"
    return matches[0]


def test_system_config_init_containers_are_hardened(all_outputs):
    """merge-system-config: root (the projected secret files are root's 0400) but read-only, no capability, no
    escalation, writing only into its emptyDir. system-init: root with a writable root (JumpScale), no capability."""
    seen = set()
    for env, doc, _ in pods(all_outputs):
        name, spec = doc["metadata"]["name"], pod_spec(doc)
        where = f"{env}: {doc['kind']}/{name}"
        init_names = [c["name"] for c in spec.get("initContainers", [])]
        if name not in SYSTEM_CONFIG_PODS:
            assert not {"merge-system-config", "system-init"} & set(init_names), where
            continue
        seen.add(name)
        volumes = {v["name"]: v for v in spec["volumes"]}
        merge = init_container(spec, "merge-system-config")
        context = merge["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, where
        assert context["capabilities"] == NO_CAPABILITIES, where
        assert context["allowPrivilegeEscalation"] is False and context["privileged"] is False, where
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert merge["image"].split("@")[0].startswith("openvcloud/cb_master:"), where
        writable = [m for m in merge["volumeMounts"] if not m.get("readOnly")]
        assert [m["name"] for m in writable] == ["system-config"] and "emptyDir" in volumes["system-config"], where
        assert not [m for m in merge["volumeMounts"] if "hostPath" in volumes[m["name"]]], where
        if name in JUMPSCALE_PODS:
            init = init_container(spec, "system-init")
            context = init["securityContext"]
            assert context["capabilities"] == NO_CAPABILITIES, where
            assert context["allowPrivilegeEscalation"] is False and context["privileged"] is False, where
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
            # The configuration step reads the merged file, so it runs after the merge.
            assert init_names.index("merge-system-config") < init_names.index("system-init"), where
        else:
            assert "system-init" not in init_names, where
    assert seen == SYSTEM_CONFIG_PODS, f"never saw {SYSTEM_CONFIG_PODS - seen}"


def g8_secret_keys(spec: dict) -> set[str]:
    return {item["key"] for v in spec.get("volumes", []) if "projected" in v
            for source in v["projected"]["sources"] for item in source.get("secret", {}).get("items", [])}


SECRET_KEY_READERS = {
    r"ssh-private-key": {"management", "host-directories"},  # host-directories installs it into paths.ssh
    r"ipmi-password-.*|cisco-password-.*|github-client-secret": {"management"},
    r"itsyouonline-client-secret": {"management", "portal", "zero-access"},
    r"mailclient-password": {"management", "portal"},
}


def test_secret_values_reach_only_the_merge_step_of_the_pods_that_read_them(all_outputs):
    """The projected g8-secrets volume is mounted by merge-system-config alone, read-only and 0400, and each pod
    receives only the keys its software reads (the G8's SSH key, IPMI and switch passwords: management only)."""
    for env, doc, _ in pods(all_outputs):
        name, spec = doc["metadata"]["name"], pod_spec(doc)
        where = f"{env}: {doc['kind']}/{name}"
        projected = [v for v in spec.get("volumes", []) if "projected" in v]
        for volume in projected:
            assert volume["name"] == "g8-secrets" and volume["projected"]["defaultMode"] == 0o400, where
            assert all(set(source) == {"secret"} for source in volume["projected"]["sources"]), where
        readers = [c["name"] for c in spec["containers"] + spec.get("initContainers", [])
                   for m in c.get("volumeMounts", []) if m["name"] == "g8-secrets"]
        assert readers == (["merge-system-config"] if projected else []), where
        if readers:
            mount = next(m for m in init_container(spec, "merge-system-config")["volumeMounts"] if m["name"] == "g8-secrets")
            assert mount["readOnly"] is True, where
        for key in g8_secret_keys(spec):
            for pattern, allowed in SECRET_KEY_READERS.items():
                if re.fullmatch(pattern, key):
                    assert name in allowed, f"{where} receives {key}"


def test_no_cluster_admin_and_no_rbac_at_all(all_outputs):
    for env, docs in all_outputs.items():
        kinds = {d["kind"] for d in docs}
        assert not kinds & {"ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"}, env
        assert "cluster-admin" not in repr(docs), env


def test_digest_pinned_images_need_no_digest_skip(all_outputs):
    pinned = all_outputs["pinned-by-digest"]
    for kind, name in (("StatefulSet", "mongo"), ("Job", "influxdb-init")):
        assert "CKV_K8S_43" not in skips(find(pinned, kind, name)), name
    assert "CKV_K8S_43" in skips(find(all_outputs["be-g8-3"], "StatefulSet", "mongo"))
    assert "CKV_K8S_43" not in skips(find(pinned, "DaemonSet", "osis")), "osis, its config seed and its mongo wait are all pinned"
    assert "CKV_K8S_43" in skips(find(pinned, "DaemonSet", "portal"))


def documented_skips() -> set[tuple[str, str, str]]:
    rows = set()
    for line in SECURITY_DOC.read_text().splitlines():
        match = re.match(r"^\| `([A-Za-z]+/[a-z0-9-]+)` \| (CKV2?_K8S_\d+) \| (.+?) \|$", line)
        if match:
            rows.add(match.groups())
    return rows


def test_every_skip_has_a_reason_and_is_listed_in_docs_security(all_outputs):
    found = set()
    for _, doc, _ in pods(all_outputs):
        for check, reason in skips(doc).items():
            assert reason.strip(), f"{doc['metadata']['name']}: {check} without a reason"
            found.add((f"{doc['kind']}/{doc['metadata']['name']}", check, reason))
    documented = documented_skips()
    table = "\n".join(f"| `{w}` | {c} | {r} |" for w, c, r in sorted(found))
    assert found == documented, f"docs/security.md must list exactly these skips:\n{table}"


def referenced_secrets(spec: dict) -> set[str]:
    """Every Secret a pod names: volumes, projected volumes, pull secrets and environment references."""
    names = {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
    names |= {source["secret"]["name"] for v in spec.get("volumes", []) if "projected" in v
              for source in v["projected"]["sources"] if "secret" in source}
    names |= {s["name"] for s in spec.get("imagePullSecrets", [])}
    for container in spec["containers"] + spec.get("initContainers", []):
        names |= {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
        names |= {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
    return names


def test_every_secret_the_chart_references_is_documented(all_outputs, with_pull_secret):
    """Each Secret by name; the TLS Secrets `tls-<certificate name>` (certificates.*) as that family."""
    text = SECRETS_DOC.read_text()
    referenced = set()
    for _, doc, _ in pods({**all_outputs, "with-pull-secret": with_pull_secret}):
        referenced |= referenced_secrets(pod_spec(doc))
    assert {"g8-secrets", "billing-sync", "grafana-admin", "ovs-cred", "regcred", "tls-wildcard", "tls-root"} <= referenced
    missing = sorted(s for s in referenced if f"`{s}`" not in text and not (s.startswith("tls-") and "`tls-<name>`" in text))
    assert missing == [], f"docs/secrets.md does not list Secret(s) {missing}"


def test_ports_below_1024_are_bindable_without_capabilities(all_outputs):
    """Capability-less containers may only listen below 1024 when the pod lowers the unprivileged port start."""
    for env, doc, _ in pods(all_outputs):
        spec = pod_spec(doc)
        if spec.get("hostNetwork"):
            continue
        sysctls = {s["name"]: s["value"] for s in spec["securityContext"].get("sysctls", [])}
        for container in spec["containers"]:
            low = [p["containerPort"] for p in container.get("ports", []) if p["containerPort"] < 1024]
            if low and "NET_BIND_SERVICE" not in container["securityContext"]["capabilities"].get("add", []):
                assert sysctls.get("net.ipv4.ip_unprivileged_port_start") == "0", f"{env}: {doc['metadata']['name']} binds {low}"
