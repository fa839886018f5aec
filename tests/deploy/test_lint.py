"""kube-score finds nothing to fix in either overlay, but for the tests switched off below,
each for a reason."""
import subprocess

import pytest

from tests.deploy.manifests import OVERLAYS, build_text, tool

IGNORED = {
    # Images are pinned by tag (kustomize `images`); a commune's cluster with a poor
    # uplink should start pods from the node's copy rather than fail to pull.
    "container-image-pull-policy",
}
# The dev overlay runs one replica of everything on purpose.
ALLOWED = {"dev": ("Deployment few replicas",), "province": ()}


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
                and not line.endswith(ALLOWED[overlay])]
    assert not findings and not result.stderr, "\n".join(findings) + result.stderr
