"""A fleet of G8s through Argo CD: one Application per environment file, each syncing its `dist/<name>.k8s.yaml`.

`fleet_yaml` gives either one ApplicationSet (a list generator with one element per G8) or, `per_g8`, one
Application per G8; both carry the same Application spec. The Application is named after the G8: with
Argo CD's label tracking (`app.kubernetes.io/instance`, the default before Argo CD 3.0) Argo CD sets that
label to the Application's name, and the G8's objects already carry it with the G8's name, so any other
name would fight over it. Deleting an Application (or an element of the set) never deletes the G8's objects:
the ApplicationSet preserves them, and the Applications carry no resources finalizer. docs/fleet.md.

Both are plain JSON in the API's field names (`manifest.api_object`); the tests check them against the Argo CD
CRDs pinned in crds/ (docs/imports.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import cdk8s

from .component import PART_OF
from .environment import DNS1123_LABEL, Environment, _text
from .manifest import api_object
from .synth import SUFFIX

APPLICATION_SET = "openvcloud-g8s"
"""The ApplicationSet's name in Argo CD's namespace."""
LABELS = {"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "cdk8s"}
SYNC_OPTIONS = ("ServerSideApply=true", "PruneLast=true", "FailOnSharedResource=true")
"""Server-side apply as with kubectl (docs/operations.md); prune only after every wave is healthy; refuse to take over
an object another Application manages (two G8s pointed at the same cluster and namespace). The Namespace is in the
manifest (wave 0), so Argo CD needs no CreateNamespace."""
RETRY = {"limit": 5, "backoff": {"duration": "30s", "factor": 2, "maxDuration": "10m"}}
"""A failed automated sync is tried again (30 s, 1, 2, 4, 8 min) rather than left until the next commit."""
_USERINFO = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<user>[^/@]*)@", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """The git repository, revision and directory Argo CD reads the synthesized `<name>.k8s.yaml` files from."""

    repo: str
    revision: str = "main"
    path: str = "dist"

    def __post_init__(self) -> None:
        for field in ("repo", "revision", "path"):
            value = getattr(self, field)
            try:
                _text(value)
            except ValueError as error:
                raise ValueError(f"{field}: {error}") from None
            if " " in value:
                raise ValueError(f"{field}: {value!r:.80} has spaces")
        userinfo = _USERINFO.match(self.repo)
        if userinfo and (":" in userinfo["user"] or userinfo["scheme"].lower().startswith("http")):  # ssh://git@ is a user name
            raise ValueError("repo: the URL carries credentials (not shown); give them to Argo CD as a repository "
                             "Secret (`argocd repo add`) and the plain URL here")
        parts = self.path.split("/")
        if self.path.startswith("/") or ".." in parts:
            raise ValueError(f"path: {self.path!r:.80} must be a directory inside the repository (relative, without '..')")


def application_spec(source: Source, *, name: str, namespace: str, destination: dict[str, str], project: str) -> dict:
    """An Application's spec, the same for an ApplicationSet's template."""
    return {
        "project": project,
        "source": {"repoURL": source.repo, "targetRevision": source.revision, "path": source.path,
                   # <name>.k8s.yaml and <name>.volumes.k8s.yaml; a G8 name has no dot, so never another G8's files.
                   "directory": {"include": f"{name}.*{SUFFIX.lstrip('.')}"}},
        "destination": {**destination, "namespace": namespace},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True}, "syncOptions": list(SYNC_OPTIONS), "retry": RETRY},
    }


def application_set(scope: cdk8s.Chart, environments: Sequence[Environment], source: Source) -> cdk8s.ApiObject:
    """One ApplicationSet: a list generator with one element per G8 (its name, namespace, cluster or server,
    project). The unused one of cluster and server is empty, which Argo CD reads as not given."""
    elements = [
        {"name": e.name, "namespace": e.namespace, "cluster": e.gitops.destination.get("name", ""),
         "server": e.gitops.destination.get("server", ""), "project": e.gitops.project}
        for e in environments
    ]
    template = application_spec(source, name="{{.name}}", namespace="{{.namespace}}",
                                destination={"name": "{{.cluster}}", "server": "{{.server}}"}, project="{{.project}}")
    spec = {
        "goTemplate": True,
        "goTemplateOptions": ["missingkey=error"],  # a typo in the template is an error, not an empty value
        "generators": [{"list": {"elements": elements}}],
        "template": {"metadata": {"name": "{{.name}}", "labels": LABELS}, "spec": template},
        "syncPolicy": {"preserveResourcesOnDeletion": True},
        # an operator may pause one G8's automated sync (`argocd app set <name> --sync-policy none`) without the
        # ApplicationSet controller turning it on again
        "ignoreApplicationDifferences": [{"jsonPointers": ["/spec/syncPolicy/automated"]}],
    }
    return api_object(scope, "application-set", api_version="argoproj.io/v1alpha1", kind="ApplicationSet", name=APPLICATION_SET,
                      body={"spec": spec})


def applications(scope: cdk8s.Chart, environments: Sequence[Environment], source: Source) -> list[cdk8s.ApiObject]:
    """One Application per G8, named after it."""
    return [
        api_object(scope, e.name, api_version="argoproj.io/v1alpha1", kind="Application", name=e.name,
                   body={"spec": application_spec(source, name=e.name, namespace=e.namespace,
                                                  destination=e.gitops.destination, project=e.gitops.project)})
        for e in environments
    ]


def shared_destinations(environments: Sequence[Environment]) -> list[tuple[int, str]]:
    """(index, message) of each G8 that would go to the cluster and namespace of an earlier one: both Applications
    would own the same objects."""
    first: dict[tuple, str] = {}
    found = []
    for index, e in enumerate(environments):
        (kind, cluster), = e.gitops.destination.items()
        key = (kind, cluster, e.namespace)
        if key in first:
            found.append((index, f"{e.name} would go where {first[key]} goes ({'cluster' if kind == 'name' else kind} {cluster}, "
                                 f"namespace {e.namespace}); give each G8 its own gitops.cluster (docs/fleet.md)"))
        first.setdefault(key, e.name)
    return found


def fleet_yaml(environments: Sequence[Environment], source: Source, *, namespace: str = "argocd", per_g8: bool = False) -> str:
    """The ApplicationSet (or the Applications) for `environments`, in Argo CD's `namespace`, as YAML."""
    if not DNS1123_LABEL.match(namespace):
        raise ValueError(f"namespace: {namespace!r:.80} is not a DNS-1123 label (Argo CD's namespace, e.g. argocd)")
    shared = shared_destinations(environments)
    if shared:
        raise ValueError(f"gitops: {shared[0][1]}")
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "fleet", namespace=namespace, labels=LABELS, disable_resource_name_hashes=True)
    (applications if per_g8 else application_set)(chart, environments, source)
    return app.synth_yaml()
