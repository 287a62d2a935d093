"""The fleet: the ApplicationSet and the per-G8 Applications against the pinned Argo CD CRDs, where each G8 goes,
what it syncs, and the `fleet` command."""
import copy
import re
import subprocess
import sys

import pytest
import yaml

from ovc_constructs import cli
from ovc_constructs.environment import InvalidEnvironment, parse_environment
from ovc_constructs.fleet import APPLICATION_SET, Source, fleet_yaml

from .conftest import EXAMPLE, ROOT, example_data, find_all, merge
from .validators import crd_schema, schema_errors

REPO = "https://git.example.com/ops/g8-fleet.git"
FLEET = {  # two G8s, one cluster each: one by its name in Argo CD, one by its API URL and in a project of its own
    "be-g8-3": {"gitops": {"cluster": "brussels-1"}},
    "be-g8-4": {"gitops": {"server": "https://10.20.0.1:6443", "project": "g8s"}, "namespace": "g8"},
}
ARGO = "argoproj.io/v1alpha1"


def fleet_data() -> dict[str, dict]:
    return {name: merge(example_data(), {"name": name, **overrides}) for name, overrides in FLEET.items()}


@pytest.fixture(scope="module")
def environments():
    return [parse_environment(data, f"{name}.yaml") for name, data in fleet_data().items()]


@pytest.fixture(scope="module")
def application_set(environments) -> list[dict]:
    return list(yaml.safe_load_all(fleet_yaml(environments, Source(REPO))))


@pytest.fixture(scope="module")
def applications(environments) -> list[dict]:
    return list(yaml.safe_load_all(fleet_yaml(environments, Source(REPO, revision="v1.2.0"), per_g8=True)))


def render(template, element: dict):
    """The ApplicationSet controller's rendering of what our template uses: `{{.key}}` in strings (missingkey=error),
    then Go's omitempty, which drops the empty destination name or server."""
    if isinstance(template, dict):
        rendered = {key: render(value, element) for key, value in template.items()}
        return {key: value for key, value in rendered.items() if value != ""}
    if isinstance(template, list):
        return [render(value, element) for value in template]
    if isinstance(template, str):
        assert not re.sub(r"\{\{\.\w+\}\}", "", template).count("{{"), f"a template construct this rendering does not know: {template}"
        return re.sub(r"\{\{\.(\w+)\}\}", lambda match: element[match.group(1)], template)
    return template


def generated(application_set: list[dict]) -> dict[str, dict]:
    """The Applications Argo CD generates from the set, by name."""
    (appset,) = application_set
    assert appset["spec"]["goTemplate"] is True and appset["spec"]["goTemplateOptions"] == ["missingkey=error"]
    (generator,) = appset["spec"]["generators"]
    apps = [render(appset["spec"]["template"], element) for element in generator["list"]["elements"]]
    return {app["metadata"]["name"]: app for app in apps}


def test_the_pinned_crds_are_found_and_strict():
    for kind in ("Application", "ApplicationSet"):
        schema = crd_schema(ARGO, kind)
        assert schema is not None, f"crds/ has no {kind}"
        assert schema["properties"]["spec"]["additionalProperties"] is False


def test_the_application_set_passes_the_crd_schema(application_set):
    assert [d["kind"] for d in application_set] == ["ApplicationSet"]
    assert application_set[0]["metadata"] == {
        "labels": {"app.kubernetes.io/managed-by": "cdk8s", "app.kubernetes.io/part-of": "openvcloud"},
        "name": APPLICATION_SET, "namespace": "argocd"}
    assert schema_errors(application_set) == []
    typo = copy.deepcopy(application_set)
    typo[0]["spec"]["template"]["spec"]["syncPolicy"]["automated"]["selfheal"] = True
    assert [e for e in schema_errors(typo) if "'selfheal' was unexpected" in e]


def test_the_applications_pass_the_crd_schema(applications):
    assert [(d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) for d in applications] == [
        ("Application", "be-g8-3", "argocd"), ("Application", "be-g8-4", "argocd")]
    assert schema_errors(applications) == []
    typo = copy.deepcopy(applications)
    typo[1]["spec"]["source"]["directory"]["includes"] = "*.yaml"
    assert [e for e in schema_errors(typo) if e.startswith("Application/be-g8-4: spec.source.directory") and "'includes'" in e]


def test_each_g8_goes_to_its_own_cluster(application_set, applications):
    by_name = {app["metadata"]["name"]: app["spec"] for app in applications}
    assert by_name["be-g8-3"]["destination"] == {"name": "brussels-1", "namespace": "openvcloud"}
    assert by_name["be-g8-3"]["project"] == "default"
    assert by_name["be-g8-4"]["destination"] == {"server": "https://10.20.0.1:6443", "namespace": "g8"}
    assert by_name["be-g8-4"]["project"] == "g8s"
    from_set = generated(application_set)
    assert sorted(from_set) == ["be-g8-3", "be-g8-4"]
    for name, app in from_set.items():
        # the set generates what --per-g8 writes, but for the revision the two were given
        assert app["spec"] == merge(by_name[name], {"source": {"targetRevision": "main"}}), name


def test_each_application_syncs_its_own_dist_file_and_is_named_after_the_g8(application_set, applications):
    for app in [*applications, *generated(application_set).values()]:
        name, source = app["metadata"]["name"], app["spec"]["source"]
        assert (source["repoURL"], source["path"], source["directory"]) == (REPO, "dist", {"include": f"{name}.*k8s.yaml"})
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert app["spec"]["syncPolicy"]["syncOptions"] == ["ServerSideApply=true", "PruneLast=true", "FailOnSharedResource=true"]
        assert "finalizers" not in app["metadata"], "deleting the Application must not delete the G8"
    assert application_set[0]["spec"]["syncPolicy"] == {"preserveResourcesOnDeletion": True}
    assert application_set[0]["spec"]["ignoreApplicationDifferences"] == [{"jsonPointers": ["/spec/syncPolicy/automated"]}]


def test_what_argo_cd_reads_from_the_g8s_manifest(example_manifests):
    """Label tracking sets app.kubernetes.io/instance to the Application's name: it is the G8's already. Every object
    has a sync wave, and the volumes with data are never pruned nor deleted."""
    from ovc_constructs import load_environment

    (app,) = yaml.safe_load_all(fleet_yaml([load_environment(EXAMPLE)], Source(REPO), per_g8=True))
    assert {m["metadata"]["labels"]["app.kubernetes.io/instance"] for m in example_manifests} == {app["metadata"]["name"]}
    assert not [m for m in example_manifests if not re.fullmatch(r"-?[0-9]+", m["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", ""))]
    volumes = find_all(example_manifests, "PersistentVolume")
    assert volumes and {v["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] for v in volumes} == {"Prune=false,Delete=false"}


def test_snapshot(application_set, applications, yaml_snapshot):
    assert application_set + applications == yaml_snapshot


@pytest.mark.parametrize("gitops, message", [
    ({"cluster": "a", "server": "https://a:6443"}, "gitops: give cluster or server, not both"),
    ({"server": "http://a:6443"}, "gitops.server: 'http://a:6443' is not a Kubernetes API server URL"),
    ({"cluster": ""}, "gitops.cluster: '' must be non-empty text"),
    ({"project": "Bad"}, "gitops.project: 'Bad' is not a DNS-1123 subdomain"),
])
def test_a_bad_gitops_section_is_one_line(gitops, message):
    with pytest.raises(InvalidEnvironment) as error:
        parse_environment(merge(example_data(), {"gitops": gitops}), "env.yaml")
    assert len(error.value.lines) == 1 and error.value.lines[0].startswith(f"env.yaml: {message}"), error.value.lines


@pytest.mark.parametrize("repo, message", [
    ("https://user:token@git.example.com/g8.git", "repo: the URL carries credentials (not shown)"),
    ("https://token@git.example.com/g8.git", "repo: the URL carries credentials (not shown)"),
    ("git@git.example.com:ops/g8 fleet.git", "repo: 'git@git.example.com:ops/g8 fleet.git' has spaces"),
])
def test_a_repository_url_with_credentials_or_spaces_is_refused(repo, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        Source(repo)
    assert "token" not in str(error.value)


def test_ssh_urls_name_a_user_without_a_secret():
    assert Source("ssh://git@git.example.com/ops/g8-fleet.git").repo == "ssh://git@git.example.com/ops/g8-fleet.git"
    assert Source("git@git.example.com:ops/g8-fleet.git", path="deploy/dist").path == "deploy/dist"


def write_fleet(directory, data: dict[str, dict]):
    directory.mkdir()
    for name, environment in data.items():
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(environment))
    return directory


def test_cli_prints_the_application_set_or_writes_it(tmp_path, capsys, application_set):
    env_dir = write_fleet(tmp_path / "environments", fleet_data())
    assert cli.main(["fleet", "--repo", REPO, "--env-dir", str(env_dir)]) == 0
    assert list(yaml.safe_load_all(capsys.readouterr().out)) == application_set
    out = tmp_path / "argocd" / "g8s.yaml"
    assert cli.main(["fleet", "--repo", REPO, "--revision", "v1.2.0", "--env-dir", str(env_dir), "--per-g8", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    assert [d["spec"]["source"]["targetRevision"] for d in yaml.safe_load_all(out.read_text())] == ["v1.2.0", "v1.2.0"]


def test_cli_reports_every_bad_file_and_shared_destination_on_one_line_each(tmp_path, capsys):
    data = fleet_data()
    data["be-g8-4"]["gitops"] = {"cluster": "brussels-1"}
    data["be-g8-4"]["namespace"] = "openvcloud"
    data["be-g8-5"] = merge(example_data(), {"name": "be-g8-5", "gitops": {"clustr": "x"}})
    env_dir = write_fleet(tmp_path / "environments", data)
    assert cli.main(["fleet", "--repo", REPO, "--env-dir", str(env_dir)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{env_dir / 'be-g8-5.yaml'}: gitops.clustr: unknown key (value 'x'); "
                                                    "check the spelling against docs/environment.schema.json"]
    del data["be-g8-5"]
    (env_dir / "be-g8-5.yaml").unlink()
    assert cli.main(["fleet", "--repo", REPO, "--env-dir", str(env_dir)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{env_dir / 'be-g8-4.yaml'}: gitops: be-g8-4 would go where be-g8-3 goes (cluster brussels-1, namespace openvcloud); "
        "give each G8 its own gitops.cluster (docs/fleet.md)"]


def test_cli_with_an_empty_environment_directory_exits_2_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ovc_constructs", "fleet", "--repo", REPO, "--env-dir", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"{tmp_path}: no *.yaml environment files\n")
