"""Every object of every overlay is valid as the API server would judge it, strictly (an
unknown or misspelt field is an error): Kubernetes' own kinds against Kubernetes' JSON
schemas (kubernetes-validate), custom resources against their operator's CRD."""
import jsonschema
import kubernetes_validate
import pytest

from tests.deploy.manifests import OVERLAYS, build, crd_schemas, name

# The oldest Kubernetes the manifests are for (matchLabelKeys in topology spread, native
# gRPC probes), and the newest whose schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())
# Custom resources whose CRD no registry reachable here ships (the Go module proxy
# refuses the RabbitMQ cluster operator's module, and no npm or PyPI package has it):
# checked by hand against the operator's CRD, not in this suite.
UNCHECKED_KINDS = {("rabbitmq.com/v1beta1", "RabbitmqCluster")}


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_objects_are_valid_strictly(overlay, version):
    errors = []
    for obj in build(overlay):
        if (obj["apiVersion"], obj["kind"]) in crd_schemas() | dict.fromkeys(UNCHECKED_KINDS):
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{name(obj)}: {'.'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{name(obj)}: {obj['apiVersion']} is no kind of Kubernetes {version}"
                          " and no CRD here describes it")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_are_valid_against_their_crd(overlay):
    errors = []
    for obj in build(overlay):
        schema = crd_schemas().get((obj["apiVersion"], obj["kind"]))
        if schema is None:
            continue
        for error in jsonschema.Draft7Validator(schema).iter_errors(obj):
            errors.append(f"{name(obj)}: {'.'.join(map(str, error.path))}: {error.message}")
    assert not errors, "\n".join(errors)


def test_strict_crd_schema_refuses_an_unknown_field():
    """The CRD check is strict: a misspelt field of a ServiceMonitor is an error."""
    schema = crd_schemas()[("monitoring.coreos.com/v1", "ServiceMonitor")]
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
               "metadata": {"name": "x"},
               "spec": {"selector": {}, "endpoints": [{"port": "http", "intervall": "30s"}]}}
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(monitor))
    assert [e.path[-1] for e in errors] == [1] or any("intervall" in e.message for e in errors)
