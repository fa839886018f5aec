"""commune-pipeline NAME: a batch pipeline process of a service (catalog.PIPELINES):
kombu and threads, no nameko, no eventlet."""
import sys

from services import catalog


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in catalog.PIPELINES:
        sys.exit(f"usage: commune-pipeline {{{'|'.join(catalog.PIPELINES)}}}")
    catalog.load(catalog.PIPELINES[argv[0]])()


if __name__ == "__main__":
    main()
