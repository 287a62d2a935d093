"""What a security reviewer expects of every pod, and that every checkov skip is justified and documented."""
import re


from .conftest import POD_OWNERS, ROOT, find, pod_spec

SECURITY_DOC = ROOT / "docs" / "security.md"
SECRETS_DOC = ROOT / "docs" / "secrets.md"


def pods(outputs):
    for name, docs in outputs.items():
        for doc in docs:
            if doc["kind"] in POD_OWNERS:
                yield name, doc, docs


def skips(doc) -> dict[str, str]:
    return dict(v.split("=", 1) for k, v in (doc["metadata"].get("annotations") or {}).items() if k.startswith("checkov.io/skip"))


def test_every_pod_has_seccomp_its_own_token_less_service_account_and_pull_secrets(all_outputs):
    for env, doc, docs in pods(all_outputs):
        spec = pod_spec(doc)
        where = f"{env}: {doc['kind']}/{doc['metadata']['name']}"
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        account = find(docs, "ServiceAccount", spec["serviceAccountName"])
        assert account["automountServiceAccountToken"] is False and spec["serviceAccountName"] != "default", where
        if env == "be-g8-3":
            assert spec["imagePullSecrets"] == [{"name": "regcred"}], where


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
            assert set(context["capabilities"].get("add", [])) <= {"NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW"}, where
            if context["capabilities"].get("add"):
                assert container["name"] == "dnsmasq", where
            if not context["readOnlyRootFilesystem"]:
                assert "CKV_K8S_22" in skipped, f"{where}: writable root without a recorded reason"
            if context["runAsUser"] == 0:
                assert "CKV_K8S_23" in skipped, f"{where}: root without a recorded reason"


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


def test_every_secret_the_chart_references_is_documented(all_outputs):
    text = SECRETS_DOC.read_text()
    referenced = set()
    for _, doc, _ in pods(all_outputs):
        spec = pod_spec(doc)
        referenced |= {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
        referenced |= {s["name"] for s in spec.get("imagePullSecrets", [])}
    for secret in referenced:
        assert f"`{secret}`" in text, f"docs/secrets.md does not list Secret {secret}"


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
