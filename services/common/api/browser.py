"""/docs: an API browser for humans (swagger-ui), served from the swagger-ui-dist npm
package that `make setup` installs under var/tools (scripts/setup-api-browser.sh); no
CDN, so it works on a commune's network cut off from the internet."""
import html
from pathlib import Path

from ..settings import get_settings

PAGE_PATH = "/docs"
ASSET_PATH = "/docs/<asset>"
INSTALLED = Path(__file__).resolve().parents[3] / "var/tools/node_modules/swagger-ui-dist"
SERVED = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript",
          "favicon-32x32.png": "image/png"}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" href="/docs/favicon-32x32.png"></head>
<body><div id="api"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "{document}", dom_id: "#api", deepLinking: true}});</script>
</body></html>
"""


def page(document: str, title: str) -> str:
    return _PAGE.format(title=html.escape(title), document=document)


def asset(name: str) -> tuple[bytes, str] | None:
    """The file's bytes and media type; None for a name not served or not installed."""
    path = Path(get_settings().api_browser_dir or INSTALLED) / name
    if name not in SERVED or not path.is_file():
        return None
    return path.read_bytes(), SERVED[name]


def missing(name: str) -> str:
    if name in SERVED:
        return f"{name} is not installed here: run `make setup` (swagger-ui-dist)"
    return f"no such file {name!r}"
