"""The environment file contract: one whole G8, its defaults and derived values, and one line per problem.

Every problem is reported as `FILE: field.path: message`, on one line, and all of them at once.
"""
import copy
import json

import pytest

from ovc_constructs import Environment, InvalidEnvironment, parse_environment
from ovc_constructs.environment import CB_MASTER, NETWORKS, floating_pins, load_environment

from .conftest import CONVERGED, ENVIRONMENTS, EXAMPLE, OLD_FORMAT, ROOT, example_data, merge, nodes


def problems(overrides: dict) -> list[str]:
    with pytest.raises(InvalidEnvironment) as raised:
        parse_environment(merge(example_data(), overrides), "env.yaml")
    return raised.value.lines


def example_nodes(index: int, drop: tuple[str, ...] = (), **fields) -> list[dict]:
    """The example's nodes with node `index` changed: `fields` set, `drop` removed."""
    changed = copy.deepcopy(example_data()["nodes"])
    changed[index] = {**{k: v for k, v in changed[index].items() if k not in drop}, **fields}
    return changed


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.name)
def test_shipped_environment_files_are_valid(path):
    environment = load_environment(path)
    assert environment.name == path.stem
    assert len(environment.controllers) >= 3


def test_the_examples_are_a_split_and_a_converged_g8():
    split, converged = load_environment(EXAMPLE), load_environment(CONVERGED)
    assert [n.name for n in split.controllers] == ["ctrl-01", "ctrl-02", "ctrl-03"]
    assert [n.roles for n in split.nodes if not n.is_controller] == [["cpu"], ["cpu"], ["storage"], ["storage"]]
    assert not split.converged
    assert converged.converged and all(set(n.roles) == {"controller", "cpu", "storage"} for n in converged.nodes)


def test_defaults():
    data = {k: v for k, v in example_data().items() if k not in ("name", "release", "paths")}
    environment = parse_environment(merge(data, {"release": {"images": {"syncthing/syncthing": "0.14"}}}), "env.yaml")
    assert environment.name == "be-g8-3", "the name defaults to the subdomain"
    assert environment.fqdn == "be-g8-3.gig.tech"
    assert environment.namespace == "openvcloud"
    assert environment.release.version == "2.4.5.3"
    assert environment.image_pull_secrets == []
    assert environment.timezone == "CET"
    assert environment.mongo.host_path == "/var/ovc/mongodb"
    assert environment.paths.billing == "/var/ovc/billing"
    assert environment.paths.influx == "/var/ovc/influx"
    assert environment.paths.ssh == "/var/ovc/.ssh"


def test_the_chart_runs_the_release_images_with_the_file_overrides():
    environment = load_environment(EXAMPLE).with_release_images()
    assert environment.mongo.image == "mongo:3.7.2"
    assert environment.osis.image == f"{CB_MASTER}:2.4.5.3"
    assert environment.portal.nginx_image == "openvcloud/nginx:2.4.5"
    assert environment.portal.portal_image == environment.agents.jsagent_image == f"{CB_MASTER}:2.4.5.3"
    assert environment.grafana.image == "grafana/grafana:5.0.0"
    assert environment.pxe.dnsmasq_image == "openvcloud/pxeboot:2.4.0"
    assert environment.billing_sync.image == "syncthing/syncthing:0.14", "release.images overrides the release's 'latest'"
    assert environment.images()["syncthing/syncthing"] == "0.14"
    assert environment.image(CB_MASTER) == f"{CB_MASTER}:2.4.5.3"
    assert floating_pins(environment.release.version, environment.release.images) == {}, "nothing the chart runs floats on 'latest'"


def test_node_addresses_are_the_network_address_plus_ip_lsb_unless_explicit():
    explicit = example_nodes(0, addresses={"storage": "10.199.9.200"})
    environment = parse_environment(merge(example_data(), {"nodes": explicit}), "env.yaml")
    ctrl, cpu = environment.nodes[0], environment.nodes[3]
    assert {network: environment.address(ctrl, network) for network in NETWORKS} == {
        "management": "10.199.0.11", "backplane": "10.199.8.11", "storage": "10.199.9.200",
        "vxbackend": "10.199.10.11", "gateway_management": "10.199.11.11", "ipmi": "10.199.4.11"}
    assert environment.address(cpu, "management") == "10.199.0.21"
    controllers_only = {"networks": {"backplane": None}, "nodes": example_data()["nodes"][:3]}
    without_backplane = parse_environment(merge(example_data(), controllers_only), "env.yaml")
    assert without_backplane.address(without_backplane.nodes[0], "backplane") is None


def test_cpu_and_storage_nodes_need_the_backplane():
    with pytest.raises(InvalidEnvironment, match=r"env.yaml: networks.backplane: required with cpu or storage nodes"):
        parse_environment(merge(example_data(), {"networks": {"backplane": None}}), "env.yaml")
    cpu = example_data()["nodes"][3]
    with pytest.raises(InvalidEnvironment, match=r"nodes\[3\].ip_lsb: required \(or addresses.backplane\)"):
        parse_environment(merge(example_data(), {"nodes": [*example_data()["nodes"][:3], {**cpu, "ip_lsb": None,
                                                 "addresses": {"management": "10.199.0.21"}}]}), "env.yaml")


def test_secret_references_default_to_keys_of_g8_secrets():
    environment = load_environment(EXAMPLE)
    refs = {
        "password": environment.password,
        "itsyouonline": environment.itsyouonline.client_secret,
        "mail": environment.mail.password,
        "ssh": environment.ssh.private_key,
        "support": environment.support.github.client_secret,
        "alerta": environment.alerta.api_key,
        "ipmi": environment.nodes[3].ipmi_password(),
    }
    assert {name: (ref.secret, ref.key) for name, ref in refs.items()} == {
        "password": ("g8-secrets", "environment-password"),
        "itsyouonline": ("g8-secrets", "itsyouonline-client-secret"),
        "mail": ("g8-secrets", "mailclient-password"),
        "ssh": ("g8-secrets", "ssh-private-key"),
        "support": ("g8-secrets", "github-client-secret"),
        "alerta": ("g8-secrets", "alerta-api-key"),
        "ipmi": ("g8-secrets", "ipmi-password-cpu-01"),
    }
    moved = parse_environment(merge(example_data(), {"password": {"secret": "vault-sync", "key": "env-pw"}}), "env.yaml")
    assert (moved.password.secret, moved.password.key) == ("vault-sync", "env-pw")


OLD = "this is the controller-only format"


@pytest.mark.parametrize(
    "overrides, expected",
    [
        # nodes and their addresses
        ({"nodes": example_nodes(0, addresses={"management": "10.199.9.300"})},
         "env.yaml: nodes[0].addresses.management: '10.199.9.300' is not a valid IPv4 address"),
        ({"nodes": example_nodes(0, public_ip="185.69.164.300")},
         "env.yaml: nodes[0].public_ip: '185.69.164.300' is not an IPv4 address (optionally with /prefix)"),
        ({"nodes": nodes(2)}, "env.yaml: nodes: 2 controller node(s) given; a G8 needs at least 3 (roles: [controller])"),
        ({"nodes": example_nodes(2, roles=["cpu"])},
         "env.yaml: nodes: 2 controller node(s) given; a G8 needs at least 3 (roles: [controller])"),
        ({"nodes": example_nodes(3, name="ctrl-01")}, "env.yaml: nodes[3].name: 'ctrl-01' is already used by nodes[0]"),
        ({"nodes": example_nodes(2, addresses={"management": "10.199.0.11"})},
         "env.yaml: nodes[2].addresses.management: '10.199.0.11' is already used by nodes[0]"),
        ({"nodes": example_nodes(3, ip_lsb=11)}, "env.yaml: nodes[3].ip_lsb: '10.199.0.11' is already used by nodes[0]"),
        ({"nodes": example_nodes(1, public_ip="185.69.164.11/24")},
         "env.yaml: nodes[1].public_ip: '185.69.164.11' is already used by nodes[0]"),
        ({"nodes": example_nodes(4, management_mac="02:00:0a:03:00:21")},
         "env.yaml: nodes[4].management_mac: '02:00:0a:03:00:21' is already used by nodes[3]"),
        ({"nodes": example_nodes(2, addresses={"management": "10.200.0.13"})},
         "env.yaml: nodes[2].addresses.management: '10.200.0.13' is not a host address inside networks.management.cidr 10.199.0.0/22"),
        ({"nodes": example_nodes(3, addresses={"backplane": "10.199.8.0"})},
         "env.yaml: nodes[3].addresses.backplane: '10.199.8.0' is not a host address inside networks.backplane.cidr 10.199.8.0/24"),
        ({"nodes": example_nodes(3, ip_lsb=255)},
         "env.yaml: nodes[3].ip_lsb: 255 is beyond the host addresses of networks.backplane 10.199.8.0/24"),
        ({"nodes": example_nodes(3, ip_lsb=1023)},
         "env.yaml: nodes[3].ip_lsb: 1023 is beyond the host addresses of networks.management 10.199.0.0/22"),
        ({"nodes": example_nodes(3, ip_lsb=65535)}, "env.yaml: nodes[3].ip_lsb: Input should be less than or equal to 65534"),
        ({"nodes": example_nodes(3, drop=("ip_lsb",))},
         "env.yaml: nodes[3].ip_lsb: required (or addresses.management): the node needs an address on networks.management"),
        ({"nodes": example_nodes(1, drop=("public_ip",))},
         "env.yaml: nodes[1].public_ip: required for a controller: public services are published on it"),
        ({"networks": {"vxbackend": None}, "nodes": example_nodes(3, addresses={"vxbackend": "10.199.10.50"})},
         "env.yaml: nodes[3].addresses.vxbackend: networks.vxbackend is not defined"),
        ({"nodes": example_nodes(0, roles=["controler"])},
         "env.yaml: nodes[0].roles[0]: Input should be 'controller', 'cpu' or 'storage'"),
        ({"nodes": example_nodes(0, roles=["controller", "controller"])},
         "env.yaml: nodes[0].roles: ['controller', 'controller'] lists a role twice"),
        ({"nodes": "ctrl-01"}, "env.yaml: nodes: Input should be a valid list"),
        # release and images
        ({"mongo": {"image": "mongo:3.4"}},
         "env.yaml: mongo.image: images come from the release manifest; set release.images['mongo'] instead"),
        ({"portal": {"nginx_image": "openvcloud/nginx:2.4.5"}},
         "env.yaml: portal.nginx_image: images come from the release manifest; set release.images['openvcloud/nginx'] instead"),
        ({"release": {"version": "9.9.9"}},
         "env.yaml: release.images['mongo']: release 9.9.9 is not shipped (2.4.5.3) and release.images has no tag for mongo, which mongo runs"),
        ({"release": {"images": {"syncthing/syncthing": "latest"}}},
         "env.yaml: release.images['syncthing/syncthing']: syncthing/syncthing would float on the tag 'latest' (release 2.4.5.3); "
         "pin a version here"),
        ({"release": None},
         "env.yaml: release.images['syncthing/syncthing']: syncthing/syncthing would float on the tag 'latest' (release 2.4.5.3)"),
        ({"qa": {"enabled": True}}, "env.yaml: release.images['openvcloud/qa']: release 2.4.5.3 has no tag for openvcloud/qa, which qa runs"),
        ({"release": {"images": {CB_MASTER: "2.4.5.3@sha256:abc"}}},
         "env.yaml: release.images['openvcloud/cb_master']: String should match pattern"),
        ({"helper_image": "busybox"}, "env.yaml: helper_image: 'busybox' is not a valid image reference"),
        # identity and networks
        ({"subdomain": None}, "env.yaml: subdomain: required field is missing"),
        ({"subdomain": "Be_G8"}, "env.yaml: subdomain: 'Be_G8' is not a DNS-1123 label"),
        ({"basedomain": "Portal..example"}, "env.yaml: basedomain: 'Portal..example' is not a DNS-1123 subdomain"),
        ({"grid_id": 0}, "env.yaml: grid_id: Input should be greater than or equal to 1"),
        ({"name": "BE_G8"}, "env.yaml: name: 'BE_G8' is not a DNS-1123 label"),
        ({"namespace": "-ovc"}, "env.yaml: namespace: '-ovc' is not a DNS-1123 label"),
        ({"networks": {"management": {"cidr": "10.199.0.1/22"}}},
         "env.yaml: networks.management.cidr: '10.199.0.1/22' is not a valid IPv4 network"),
        ({"networks": {"management": {"gateway": None}}}, "env.yaml: networks.management.gateway: required field is missing"),
        ({"itsyouonline": None}, "env.yaml: itsyouonline: required field is missing"),
        # secrets are references, never values
        ({"password": {"key": "bad key"}}, "env.yaml: password.key: 'bad key' is not a Secret key"),
        ({"switches": {"cisco": [{"name": "sw1", "password": "x"}]}},
         "env.yaml: switches.cisco[0]: password: no secret values in the environment file; "
         "cisco passwords come from Secret g8-secrets, key cisco-password-<name>"),
        # the component sections
        ({"nodse": []}, "env.yaml: nodse: unknown key"),
        ({"mongo": {"imgae": "mongo:3.4"}}, "env.yaml: mongo.imgae: unknown key"),
        ({"osis": {"node_port": 8080}}, "env.yaml: osis.node_port: 8080 is outside the NodePort range 30000-32767"),
        ({"osis": {"node_port": "30544x"}}, "env.yaml: osis.node_port: Input should be a valid integer"),
        ({"osis": {"node_port": 30444}}, "env.yaml: agents.node_port: NodePort 30444 is already used by osis.node_port"),
        ({"mongo": {"host_path": "var/ovc/mongodb"}}, "env.yaml: mongo.host_path: 'var/ovc/mongodb' is not an absolute host path"),
        ({"mongo": {"resources": {"cpu_request": "lots", "memory_request": "1Gi", "cpu_limit": "1", "memory_limit": "1Gi"}}},
         "env.yaml: mongo.resources.cpu_request: 'lots' is not a Kubernetes quantity"),
        ({"mongo": {"backup": {"schedule": "daily"}}}, "env.yaml: mongo.backup.schedule: 'daily' is not a 5-field cron schedule"),
        ({"bad\nkey": 1}, "env.yaml: ['bad\\nkey']: unknown key"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_mistake_gets_one_line_with_file_and_field(overrides, expected):
    lines = problems(overrides)
    assert all(line.startswith("env.yaml: ") and "\n" not in line for line in lines), lines
    assert sum(line.startswith(expected) for line in lines) == 1, lines


def test_every_problem_is_reported_not_only_the_first():
    lines = problems({"name": "Bad Name", "basedomain": "UPPER", "osis": {"node_port": 1}})
    assert [line.split(":")[1].strip() for line in lines] == ["name", "basedomain", "osis.node_port"]
    lines = problems({"nodes": example_nodes(1, drop=("public_ip",)), "mongo": {"image": "mongo:3.4"},
                      "release": {"images": {"syncthing/syncthing": "latest"}}})
    assert [line.split(": ")[1] for line in lines] == ["nodes[1].public_ip", "mongo.image", "release.images['syncthing/syncthing']"]


@pytest.mark.parametrize("overrides, field", [({"password": "s3cret-value"}, "password"),
                                             ({"mail": {"password": "s3cret-value"}}, "mail.password")])
def test_a_secret_value_in_place_of_a_reference_is_refused_and_never_echoed(overrides, field):
    [line] = problems(overrides)
    assert line.startswith(f"env.yaml: {field}: ")
    assert "s3cret-value" not in line, "SecretRef: the value never appears in output, not even in an error message"


def test_the_old_format_is_refused_with_one_line_naming_migrate_env():
    with pytest.raises(InvalidEnvironment) as raised:
        load_environment(OLD_FORMAT)
    [line] = raised.value.lines
    assert line.startswith(f"{OLD_FORMAT}: {OLD}")
    assert f"python -m ovc_constructs migrate-env {OLD_FORMAT} --out NEW.yaml --grid-id N --itsyouonline-client-id ID" in line
    # Any file with the old top-level keys and no subdomain is recognized the same way.
    assert problems({"subdomain": None, "domain": "be-g8-3.gig.tech"})[0].startswith(f"env.yaml: {OLD}")


def test_node_ports_are_collected_by_field_path():
    ports = load_environment(EXAMPLE).node_ports()
    assert ports["osis.node_port"] == 30544 and ports["agents.node_port"] == 30444
    assert len(set(ports.values())) == len(ports)


def test_duplicate_yaml_keys_are_errors(tmp_path):
    path = tmp_path / "dup.yaml"
    text = EXAMPLE.read_text() + "\nname: other\n"
    path.write_text(text)
    with pytest.raises(InvalidEnvironment) as raised:
        load_environment(path)
    line = len(text.splitlines())
    assert raised.value.lines == [f"{path}: line {line}, column 1: not valid YAML: duplicate key 'name'"]


def test_published_json_schema_is_in_sync():
    published = json.loads((ROOT / "docs" / "environment.schema.json").read_text())
    assert published == Environment.model_json_schema(), "run `make schema` and commit docs/environment.schema.json"
