"""GS1 identifiers: check digits, GTINs normalised to 14 digits, lot numbers (AI 10), and
GS1 Digital Link URIs (/01/{gtin}/10/{lot}?linkType=...). Pure functions, no I/O."""
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from services.common.errors import InvalidArgument

GTIN_LENGTHS = (8, 12, 13, 14)
LOT_MAX = 20
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CSET82 = re.compile(r"""[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+""")  # fullmatch: '$' let "\n" by
# Digital Link keeps these unescaped in a path segment; the rest of CSET 82 is %-encoded.
_SAFE_IN_PATH = "!'()*+,-.:;=_"
# linkType values the resolver knows (GS1 Web Vocabulary) besides the default page.
LINK_TYPES = {"gs1:pip": "product information page", "gs1:traceability": "traceability",
              "gs1:certificationInfo": "certifications", "gs1:epcis": "EPCIS events",
              "all": "every link, as a linkset"}


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of `body` (the digits before the check digit):
    weights 3 and 1 alternate from the rightmost digit."""
    if not body.isdigit() or not body.isascii():
        raise InvalidArgument(f"{body!r} is not all digits", {"gtin": "not digits"})
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def normalise_gtin(code: str) -> str:
    """A GTIN-8, -12, -13 or -14 as 14 digits (left-padded with zeros), once its check
    digit is right; InvalidArgument saying what is wrong otherwise."""
    code = str(code or "").strip()
    if not code.isascii() or not code.isdigit():
        raise InvalidArgument(f"GTIN {code!r} must be digits only", {"gtin": "not digits"})
    if len(code) not in GTIN_LENGTHS:
        raise InvalidArgument(f"GTIN {code!r} has {len(code)} digits; a GTIN has 8, 12, 13 "
                              "or 14", {"gtin": "wrong length"})
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise InvalidArgument(f"GTIN {code!r}: check digit should be {expected}",
                              {"gtin": "wrong check digit"})
    return code.zfill(14)


def validate_lot(lot: str) -> str:
    """A lot/batch number as GS1 AI (10) allows (1 to 20 characters of set 82) that a
    link can reach: routers and clients merge '//' and drop '.' and '..' segments of a
    path, so a '/' may only stand between two parts of a lot, neither '.' nor '..'."""
    lot = str(lot or "")
    if not lot:
        raise InvalidArgument("lot is required", {"lot": "required"})
    if len(lot) > LOT_MAX:
        raise InvalidArgument(f"lot {lot!r} is longer than {LOT_MAX} characters",
                              {"lot": "too long"})
    if not CSET82.fullmatch(lot):
        bad = sorted({c for c in lot if not CSET82.fullmatch(c)})
        raise InvalidArgument(f"lot {lot!r} has characters GS1 does not allow: "
                              f"{' '.join(map(repr, bad))}", {"lot": "forbidden characters"})
    if any(part in ("", ".", "..") for part in lot.split("/")):
        raise InvalidArgument(f"lot {lot!r} cannot be reached by a link: a '/' must stand "
                              "between two parts, neither of them '.' or '..'",
                              {"lot": "unreachable by a link"})
    return lot


@dataclass(frozen=True)
class DigitalLink:
    gtin: str  # 14 digits
    lot: str = ""
    link_type: str = ""

    def path(self) -> str:
        path = f"/01/{self.gtin}"
        if self.lot:
            path += f"/10/{quote(self.lot, safe=_SAFE_IN_PATH)}"
        return path

    def uri(self, base: str) -> str:
        """The URI on a resolver at `base` (e.g. https://id.gs1.org or this platform)."""
        query = f"?linkType={quote(self.link_type, safe=':')}" if self.link_type else ""
        return base.rstrip("/") + self.path() + query


def build(base: str, gtin: str, lot: str = "", link_type: str = "") -> str:
    lot = validate_lot(lot) if lot else ""
    return DigitalLink(normalise_gtin(gtin), lot, link_type).uri(base)


def parse(uri: str) -> DigitalLink:
    """A Digital Link URI or path: /01/{gtin}[/10/{lot}][?linkType=...], anywhere in the
    path (a resolver may serve under a prefix). GTINs shorter than 14 digits are padded."""
    parts = urlsplit(str(uri or ""))
    segments = [s for s in parts.path.split("/") if s]
    if "01" not in segments:
        raise InvalidArgument("not a GS1 Digital Link: no /01/{gtin} in the path",
                              {"uri": "no GTIN"})
    segments = segments[segments.index("01"):]
    if len(segments) not in (2, 4) or (len(segments) == 4 and segments[2] != "10"):
        raise InvalidArgument("a Digital Link here is /01/{gtin} or /01/{gtin}/10/{lot}",
                              {"uri": "unsupported path"})
    lot = unquote(segments[3]) if len(segments) == 4 else ""
    return link(unquote(segments[1]), lot, parse_qs(parts.query).get("linkType", [""])[0])


def link(gtin: str, lot: str = "", link_type: str = "") -> DigitalLink:
    """A Digital Link from its parts, each checked (the lot may be empty)."""
    if link_type and link_type not in LINK_TYPES:
        raise InvalidArgument(f"linkType {link_type!r} is not one this resolver serves",
                              {"linkType": "unknown"})
    return DigitalLink(normalise_gtin(gtin), validate_lot(lot) if lot else "", link_type)
