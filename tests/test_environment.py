"""The environment file contract: defaults, validation, and one message per problem with its field path."""
import json

import pytest

from ovc_constructs import Environment, InvalidEnvironment, parse_environment
from ovc_constructs.environment import load_environment

from .conftest import ENVIRONMENTS, ROOT, example_data, merge, nodes


def problems(overrides: dict) -> list[str]:
    with pytest.raises(InvalidEnvironment) as raised:
        parse_environment(merge(example_data(), overrides), "env.yaml")
    return raised.value.lines


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.name)
def test_shipped_environment_files_are_valid(path):
    environment = load_environment(path)
    assert environment.name == path.stem
    assert len(environment.nodes) >= 3


def test_defaults_come_from_the_seeds():
    environment = parse_environment(merge(example_data(), {"image_pull_secrets": None}), "env.yaml")
    assert environment.namespace == "openvcloud"
    assert environment.mongo.image == "mongo:3.4"
    assert environment.mongo.host_path == "/var/ovc/mongodb"
    assert environment.osis.image == "jumpscale/osis:7.2"
    assert environment.paths.billing == "/var/ovc/billing"
    assert environment.paths.influx == "/var/ovc/influx"
    assert environment.image_pull_secrets == []


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"nodes": [{"name": "ctrl-01", "management_ip": "10.199.9.300", "public_ip": "185.69.164.11"}] + nodes(3)[1:]},
         "env.yaml: nodes[0].management_ip: '10.199.9.300' is not a valid IPv4 address"),
        ({"nodes": nodes(2)}, "env.yaml: nodes: 2 node(s) given; a G8 needs at least 3 controller nodes"),
        ({"nodes": nodes(2) + [{**nodes(1)[0], "management_ip": "10.199.0.99", "public_ip": "185.69.164.99"}]},
         "env.yaml: nodes[2].name: 'ctrl-01' is already used by nodes[0]"),
        ({"nodes": nodes(2) + [{**nodes(3)[2], "management_ip": "10.199.0.11"}]},
         "env.yaml: nodes[2].management_ip: '10.199.0.11' is already used by nodes[0]"),
        ({"nodes": nodes(2) + [{**nodes(3)[2], "management_ip": "10.200.0.13"}]},
         "env.yaml: nodes[2].management_ip: '10.200.0.13' is not inside management.cidr 10.199.0.0/22"),
        ({"management": {"cidr": "10.199.0.1/22"}}, "env.yaml: management.cidr: '10.199.0.1/22' is not a valid IPv4 network"),
        ({"name": "BE_G8"}, "env.yaml: name: 'BE_G8' is not a DNS-1123 label"),
        ({"namespace": "-ovc"}, "env.yaml: namespace: '-ovc' is not a DNS-1123 label"),
        ({"domain": "Portal..example"}, "env.yaml: domain: 'Portal..example' is not a DNS-1123 subdomain"),
        ({"nodse": []}, "env.yaml: nodse: unknown key"),
        ({"mongo": {"imgae": "mongo:3.4"}}, "env.yaml: mongo.imgae: unknown key"),
        ({"mongo": {"image": "mongo"}}, "env.yaml: mongo.image: 'mongo' is not a valid image reference"),
        ({"mongo": {"image": "mongo:3.4@sha256:abc"}}, "env.yaml: mongo.image: 'mongo:3.4@sha256:abc' is not a valid image reference"),
        ({"osis": {"node_port": 8080}}, "env.yaml: osis.node_port: 8080 is outside the NodePort range 30000-32767"),
        ({"osis": {"node_port": "30544x"}}, "env.yaml: osis.node_port: Input should be a valid integer"),
        ({"domain": None}, "env.yaml: domain: required field is missing"),
        ({"mongo": {"host_path": "var/ovc/mongodb"}}, "env.yaml: mongo.host_path: 'var/ovc/mongodb' is not an absolute host path"),
        ({"mongo": {"resources": {"cpu_request": "lots", "memory_request": "1Gi", "cpu_limit": "1", "memory_limit": "1Gi"}}},
         "env.yaml: mongo.resources.cpu_request: 'lots' is not a Kubernetes quantity"),
        ({"mongo": {"backup": {"schedule": "daily"}}}, "env.yaml: mongo.backup.schedule: 'daily' is not a 5-field cron schedule"),
        ({"nodes": "ctrl-01"}, "env.yaml: nodes: Input should be a valid list"),
        ({"bad\nkey": 1}, "env.yaml: ['bad\\nkey']: unknown key"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_mistake_gets_a_line_with_file_and_field(overrides, expected):
    lines = problems(overrides)
    assert any(line.startswith(expected) for line in lines), lines


def test_every_problem_is_reported_not_only_the_first():
    lines = problems({"name": "Bad Name", "domain": "UPPER", "osis": {"node_port": 1}})
    assert [line.split(":")[1].strip() for line in lines] == ["name", "domain", "osis.node_port"]


def test_node_ports_must_be_unique(tmp_path):
    environment = Environment.model_validate(merge(example_data(), {"osis": {"node_port": 30544}}))
    assert environment.node_ports()["osis.node_port"] == 30544


def test_duplicate_yaml_keys_are_errors(tmp_path):
    path = tmp_path / "dup.yaml"
    text = (ROOT / "apps/environments/be-g8-3.yaml").read_text() + "\nname: other\n"
    path.write_text(text)
    with pytest.raises(InvalidEnvironment) as raised:
        load_environment(path)
    line = len(text.splitlines())
    assert raised.value.lines == [f"{path}: line {line}, column 1: not valid YAML: duplicate key 'name'"]


def test_published_json_schema_is_in_sync():
    published = json.loads((ROOT / "docs" / "environment.schema.json").read_text())
    assert published == Environment.model_json_schema(), "run `make schema` and commit docs/environment.schema.json"
