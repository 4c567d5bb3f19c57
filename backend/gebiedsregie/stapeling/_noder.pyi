# The C extension `_noder.c`: see its comment for the buffers.
from typing_extensions import Buffer

def node(
    xy: Buffer,
    line: Buffer,
    owner: Buffer,
    scale: float,
    /,
) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, int]: ...
