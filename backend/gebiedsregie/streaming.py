"""Streaming a large FeatureCollection: in chunks, paged with links, from a session of its own.

Shared by the stapeling and the vergelijking routers (their faces can number 100,000s).
"""

import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from gebiedsregie.api import GEOJSON

CHUNK_BYTES = 256 * 1024


def stream(
    head: dict[str, Any], features: Iterable[str], tail: dict[str, Any] | None = None
) -> Iterator[bytes]:
    """Yield a FeatureCollection as JSON in chunks of about CHUNK_BYTES: never one giant string.

    Every chunk costs the server a thread hop, so features are batched, not sent one by one.
    """
    buffer = [json.dumps(head, ensure_ascii=False)[:-1], ', "features": [']
    size = 0
    for i, feature in enumerate(features):
        text = (", " if i else "") + feature
        buffer.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    buffer.append("]")
    if tail:
        buffer.append(", " + json.dumps(tail, ensure_ascii=False)[1:-1])
    buffer.append("}")
    yield "".join(buffer).encode()


def links(
    request: Request, offset: int, limit: int | None, returned: int, matched: int
) -> list[dict[str, str]]:
    """Return the self link, and next and prev when paged and there is more."""
    found = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if limit is not None and offset + returned < matched:
        url = request.url.include_query_params(offset=offset + limit, limit=limit)
        found.append({"href": str(url), "rel": "next", "type": GEOJSON})
    if limit is not None and offset > 0:
        url = request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)
        found.append({"href": str(url), "rel": "prev", "type": GEOJSON})
    return found


def in_own_session(
    factory: Callable[[], AbstractContextManager[Session]],
    read: Callable[[Session], Iterator[str]],
) -> Iterator[str]:
    """Return the features `read` yields, read in a session of the stream's own (the response
    streams after the request's session is closed). That session, and its connection, are
    taken now, before the 200 goes out: a pool that is full is a 503, not a stream that breaks
    off after a 200. An error while streaming ends the response without its closing bytes, so
    no client takes it for complete (and the error is logged)."""
    context = factory()
    session = context.__enter__()
    try:
        session.connection()
    except BaseException:
        context.__exit__(*sys.exc_info())
        raise

    def features() -> Iterator[str]:
        with contextlib.ExitStack() as stack:
            stack.push(context)
            yield from read(session)

    return features()
