"""k8s-verify's split of a built overlay: its Namespace objects into one file (applied for
real), everything else into another (applied as a server-side dry run)."""
import sys

import yaml


def main(manifest: str, namespaces: str, rest: str) -> None:
    with open(manifest) as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    with open(namespaces, "w") as f:
        yaml.safe_dump_all([o for o in objects if o["kind"] == "Namespace"], f)
    with open(rest, "w") as f:
        yaml.safe_dump_all([o for o in objects if o["kind"] != "Namespace"], f)


if __name__ == "__main__":
    main(*sys.argv[1:])
