# The C extension `_noder.c`: see its comment for the buffers.
def node(
    xy: bytes | memoryview,
    line: bytes | memoryview,
    owner: bytes | memoryview,
    scale: float,
    /,
) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, int]: ...
