"""The generated stubs in gen/python are what `make proto` makes from proto/ now."""
import filecmp
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_code_is_up_to_date(tmp_path):
    subprocess.run(["bash", "scripts/gen-proto.sh", str(tmp_path)], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHON": sys.executable})
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "gen/python")
                       for p in (ROOT / "gen/python").rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
    assert fresh == committed, "files differ: run `make proto` and commit gen/python"
    stale = [str(p) for p in fresh
             if not filecmp.cmp(tmp_path / p, ROOT / "gen/python" / p, shallow=False)]
    assert not stale, f"stale generated code: {stale}; run `make proto` and commit gen/python"
