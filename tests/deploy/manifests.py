"""deploy/k8s as the tests see it: each overlay built by kustomize, the objects it makes,
and the operators' CRD schemas that check custom resources. The tools come from
scripts/setup-deploy-tools.sh (run by `make setup`), linked into var/tools."""
import copy
import functools
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TOOLS = ROOT / "var" / "tools"
BIN = TOOLS / "bin"
OVERLAYS = ("dev", "province")
PLATFORM_CONTAINER = "commune"  # the container of every platform pod (pod-defaults.yaml)


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise AssertionError(f"{path} is missing: run 'make setup' (scripts/setup-deploy-tools.sh)")
    return str(path)


@functools.cache
def build_text(overlay: str) -> str:
    result = subprocess.run([tool("kustomize"), "build", str(K8S / "overlays" / overlay)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"kustomize build {overlay}: {result.stderr}"
    return result.stdout


def build(overlay: str) -> list[dict]:
    """The overlay's objects (a fresh copy each call: tests may change them)."""
    return [o for o in yaml.safe_load_all(build_text(overlay)) if o]


def of_kind(objects: list[dict], *kinds: str) -> list[dict]:
    return [o for o in objects if o["kind"] in kinds]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def platform_containers(objects: list[dict]) -> list[tuple[dict, dict]]:
    """(workload, container) for every platform container: the image's processes."""
    return [(w, c) for w in of_kind(objects, "Deployment", "Job")
            for c in pod_spec(w)["containers"] if c["name"] == PLATFORM_CONTAINER]


def name(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> the strict JSON schema of that custom resource, from the
    operators' own CRDs (var/tools/crds)."""
    schemas = {}
    crds = sorted((TOOLS / "crds").glob("*.yaml"))
    assert crds, "var/tools/crds is empty: run 'make setup' (scripts/setup-deploy-tools.sh)"
    for path in crds:
        for crd in yaml.safe_load_all(path.read_text()):
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served", True):
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    schemas[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = schema
    return schemas


def strict(schema: dict) -> dict:
    """The schema as the API server checks with field validation Strict: an unknown field
    is an error, unless the schema keeps unknown fields. Kubernetes' own extensions are
    turned into JSON Schema (int-or-string) or dropped."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if node.pop("x-kubernetes-int-or-string", False):
            node.pop("type", None)
            node.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
        preserve = node.pop("x-kubernetes-preserve-unknown-fields", False)
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        if node.get("type") == "object" and "properties" in node and not preserve \
                and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for key, value in list(node.items()):
            if key == "properties":
                for child in value.values():
                    walk(child)
            elif key.startswith("x-kubernetes-"):
                node.pop(key)
            else:
                walk(value)

    walk(schema)
    # metadata is ObjectMeta, checked by the API server's own rules, not the CRD's.
    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
    return schema
