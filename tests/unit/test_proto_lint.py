"""The contracts pass `buf lint` (STANDARD rules) and make no breaking change against
the last commit (additive changes only inside commune.v1)."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUF = ROOT / "var/tools/node_modules/.bin/buf"


@pytest.fixture(scope="module")
def buf():
    assert BUF.exists(), "buf is not installed: run `make setup`"
    return str(BUF)


def run(*args):
    return subprocess.run(args, cwd=ROOT / "proto", capture_output=True, text=True)


def test_buf_lint_standard(buf):
    done = run(buf, "lint")
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_breaking_change_against_the_last_commit(buf):
    head = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD:proto"], cwd=ROOT,
                          capture_output=True)
    if head.returncode != 0:
        pytest.skip("no committed proto/ to compare with")
    done = run(buf, "breaking", "--against", f"{ROOT}/.git#ref=HEAD,subdir=proto")
    assert done.returncode == 0, done.stdout + done.stderr
