# The C extension `_noder.c`: see its comment for the buffers (C-contiguous, any exporter).
from typing import Any

def node(
    xy: Any,
    ring: Any,
    owner: Any,
    scale: float,
    threads: int,
    /,
) -> tuple[
    bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, int
]: ...
def trace_lines(
    coords: Any, lstart: Any, node: Any, scale: float, /
) -> tuple[bytes, bytes, bytes, bytes, bytes]: ...
