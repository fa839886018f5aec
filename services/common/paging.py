"""One paging rule for every list, over RPC, HTTP and gRPC: a page size of 0 means the
default (50), larger than 200 is cut to 200, negative is refused; the page token is an
opaque url-safe string that this module alone writes and reads."""
import base64
from collections.abc import Sequence

from .errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("pageSize must not be negative", {"pageSize": "negative"})
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def offset(token: str) -> int:
    """Where the page a token names starts; InvalidArgument for a token we did not give."""
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "o" or int(value) < 0:
            raise ValueError(token)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument("pageToken is not one this service gave",
                              {"pageToken": "invalid"}) from None


def page(rows: Sequence, requested_size: int, token: str) -> tuple[list, str, int]:
    """One page of rows already in their listing order, the next page's token ("" after
    the last page) and the number of rows in all."""
    start = offset(token)
    chosen = list(rows[start:start + page_size(requested_size)])
    following = start + len(chosen)
    return chosen, (page_token(following) if following < len(rows) else ""), len(rows)
