# The C extension `_noder.c`: see its comment for what each buffer holds. Inputs are
# C-contiguous buffers of float64 (xy, coords) or int64 (the rest): anything else is refused
# with a TypeError. Outputs are bytes, by name, read with numpy.frombuffer.
from typing import Literal, TypedDict

from numpy import float64, int64
from numpy.typing import NDArray

class Traced(TypedDict):
    ring_half: bytes  # int64, the half-edges of every ring in order, ring after ring
    ring_size: bytes  # int64, half-edges per ring
    ring_area: bytes  # float64, signed area (positive: counter-clockwise)
    ring_pinched: bytes  # uint8, 1 where the ring passes a node twice
    half_ring: bytes  # int64, the ring of each half-edge; -1 for a dropped dangle

class Noded(Traced):
    coords: bytes  # float64 (x, y) pairs of the noded lines
    line_start: bytes  # int64 offsets of the lines in coords, lines + 1 of them
    set_start: bytes  # int64 offsets of each ring's set in `set`, rings + 1 of them
    set: bytes  # int64, the inputs of each ring's face, relative to its part
    ring_part: bytes  # int64, the outer ring of each ring's connected part
    line_length: bytes  # float64, per line
    point_node: bytes  # int64, the node of each point of the lines
    lines: int

def node(
    xy: NDArray[float64],
    ring: NDArray[int64],
    owner: NDArray[int64],
    scale: float,
    threads: int,
    check: bool | Literal[0, 1],
    /,
) -> Noded: ...
def trace_lines(
    coords: NDArray[float64], lstart: NDArray[int64], node: NDArray[int64], scale: float, /
) -> Traced: ...
def check_pieces(xy: NDArray[float64], pieces: NDArray[int64], scale: float, /) -> None: ...
