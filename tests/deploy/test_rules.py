"""The alert rules of the monitoring component: promtool accepts them and each passes its
unit tests (deploy/k8s/components/monitoring/rules.test.yaml)."""
import shutil
import subprocess

import yaml

from tests.deploy.manifests import K8S, tool

MONITORING = K8S / "components" / "monitoring"


def rules_file(tmp_path):
    rule = yaml.safe_load((MONITORING / "rules.yaml").read_text())
    path = tmp_path / "prometheus-rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}, allow_unicode=True))
    return path


def promtool(*args, cwd):
    result = subprocess.run([tool("promtool"), *args], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_rules_are_valid(tmp_path):
    promtool("check", "rules", str(rules_file(tmp_path)), cwd=tmp_path)


def test_every_alert_passes_its_unit_tests(tmp_path):
    rules_file(tmp_path)
    shutil.copy(MONITORING / "rules.test.yaml", tmp_path)
    promtool("test", "rules", "rules.test.yaml", cwd=tmp_path)


def test_every_alert_has_a_test_and_a_runbook():
    rule = yaml.safe_load((MONITORING / "rules.yaml").read_text())
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    tests = yaml.safe_load((MONITORING / "rules.test.yaml").read_text())["tests"]
    tested = {t["alertname"] for case in tests for t in case["alert_rule_test"]
              if t["exp_alerts"]}
    assert {a["alert"] for a in alerts} == tested
    assert all(a["annotations"].get("runbook") for a in alerts)
