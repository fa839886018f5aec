"""kube-score finds nothing to fix in either overlay, but for the tests switched off below,
each for a reason."""
import subprocess

import pytest

from tests.deploy.manifests import OVERLAYS, build_text, tool

IGNORED = {
    # Images are pinned by tag (kustomize `images`); a commune's cluster with a poor
    # uplink should start pods from the node's copy rather than fail to pull.
    "container-image-pull-policy",
    # Replicas are spread over nodes by topologySpreadConstraints (base/spread.yaml),
    # which, unlike a required anti-affinity, still schedules on a cluster of one node.
    "deployment-has-host-podantiaffinity",
}
# The dev overlay runs one replica of everything on purpose. In the province the broker's
# and database's pods are made by their operators, out of kube-score's sight.
UNSEEN_PODS = "NetworkPolicy: The NetworkPolicys selector doesn't match any pods"
ALLOWED = {"dev": ("Deployment few replicas",),
           "province": tuple(f"] {policy}/commune networking.k8s.io/v1/{UNSEEN_PODS}"
                             for policy in ("broker", "broker-from-keda", "database"))}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kube_score_is_clean(overlay, tmp_path):
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(build_text(overlay))
    result = subprocess.run(
        [tool("kube-score"), "score", "--output-format", "ci", "--kubernetes-version", "v1.30",
         *(f"--ignore-test={test}" for test in IGNORED), str(manifest)],
        capture_output=True, text=True)
    findings = [line for line in result.stdout.splitlines()
                if line.startswith(("[CRITICAL]", "[WARNING]"))
                and not any(allowed in line for allowed in ALLOWED[overlay])]
    assert not findings and not result.stderr, "\n".join(findings) + result.stderr
