"""The protocol between the two sides: every message type, and frames of JSON plus raw tensor bytes.

A frame is ``<u32 header length><u64 payload length><header JSON><payload>``.
Tensors anywhere in a message are replaced in the JSON by ``{"$t": i}`` and
their bytes are appended to the payload, described by ``header["tensors"][i]``.
Only plain numeric dtypes cross the wire, so decoding never runs code.
"""
from __future__ import annotations

import json
import os
import select
import socket
import struct
import time

import numpy as np
import torch

_HEAD = struct.Struct("!IQ")
MAX_HEADER = 16 * 1024 * 1024
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024   # the largest file inputs.read accepts (read.MAX_BYTES)
MAX_PAYLOAD = 64 * 1024 * 1024    # far above any honest report; bounds the grader's memory
assert MAX_PAYLOAD > MAX_SUBMISSION_BYTES   # a submission's text travels as payload (as_bytes)
BACKSTOP = 3.0    # a unit limited to N CPU seconds is stopped after BACKSTOP * N wall seconds

# dtype names accepted on the wire, and how each side materialises them
_DTYPES = {
    "float16": (np.float16, torch.float16),
    "float32": (np.float32, torch.float32),
    "float64": (np.float64, torch.float64),
    "int8": (np.int8, torch.int8),
    "int16": (np.int16, torch.int16),
    "int32": (np.int32, torch.int32),
    "int64": (np.int64, torch.int64),
    "uint8": (np.uint8, torch.uint8),
    "bool": (np.bool_, torch.bool),
}


# ---- the messages, by their "op" ----------------------------------------------------
# near side -> zygote (JSON datagrams on the control socket) and back
SANDBOX = "sandbox"         # the grader's first word: which mode to build (None: the first that works)
SPAWN = "spawn"             # fork a fresh process for a submission
READY = "ready"             # the zygote is warm: its pid, torch's version, the sandbox that works
SPAWNED = "spawned"         # here is the new process (its socket and pidfd ride along, SCM_RIGHTS)
# near side -> a submission's process (frames)
PREPARE = "prepare"         # build the sandbox now, the submission comes later
LOAD = "load"               # run these cells under these limits
PROBES = "probes"           # run these groups of probes
BYE = "bye"                 # done: exit
# a submission's process -> near side (frames)
CELL = "cell"               # one cell's outcome
LOADED = "loaded"           # every cell ran: the names it defined
PROBE = "probe"             # one probe's outcome
PROBES_DONE = "probes_done"  # every probe of the request has answered


class WireError(Exception):
    """A frame that is malformed, too large, or cut short."""


class Timeout(WireError):
    """No complete frame arrived before the deadline."""


def _as_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.to(torch.float32)
        if str(t.dtype).removeprefix("torch.") not in _DTYPES:
            t = t.to(torch.float64)
        return t.contiguous().numpy()
    arr = np.ascontiguousarray(value)
    if arr.dtype.name not in _DTYPES:
        arr = arr.astype(np.float64)
    return arr


def encode(message) -> bytes:
    """Serialise a message of JSON values, tensors and numpy arrays."""
    tensors: list[dict] = []
    chunks: list[bytes] = []
    offset = 0

    def walk(value):
        nonlocal offset
        if isinstance(value, (torch.Tensor, np.ndarray)):
            arr = _as_numpy(value)
            if offset + arr.nbytes > MAX_PAYLOAD:
                raise WireError(f"more than {MAX_PAYLOAD >> 20} MB of tensor data: too large to report")
            raw = arr.tobytes()
            tensors.append({"dtype": arr.dtype.name, "shape": list(arr.shape),
                            "offset": offset, "nbytes": len(raw)})
            chunks.append(raw)
            offset += len(raw)
            return {"$t": len(tensors) - 1}
        if isinstance(value, dict):
            return {str(k): walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        if isinstance(value, float) and not np.isfinite(value):
            return {"$f": repr(value)}
        if isinstance(value, (np.floating, np.integer, np.bool_)):
            return value.item()
        return value

    body = walk(message)
    header = json.dumps({"body": body, "tensors": tensors}, allow_nan=False).encode()
    payload = b"".join(chunks)
    return _HEAD.pack(len(header), len(payload)) + header + payload


def peek(frame: bytes) -> dict:
    """The JSON body of a frame, tensors left as ``{"$t": i}``: cheap, for relaying."""
    if len(frame) < _HEAD.size:
        raise WireError("frame shorter than its header")
    hlen, _ = _HEAD.unpack_from(frame)
    try:
        body = json.loads(frame[_HEAD.size:_HEAD.size + hlen]).get("body")
    except (ValueError, AttributeError) as exc:
        raise WireError(f"header is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise WireError("the frame's body is not a message")
    return body


def decode(frame: bytes, to: str = "torch"):
    """Rebuild a message; tensors become torch tensors (``to="torch"``) or numpy arrays.
    Whatever is wrong with a frame (it may come from a submission's process) is a WireError."""
    try:
        message = _decode(frame, to)
    except WireError:
        raise
    except (ArithmeticError, AttributeError, IndexError, KeyError, LookupError, RecursionError,
            TypeError, ValueError, MemoryError) as exc:
        raise WireError(f"the frame is malformed ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(message, dict):
        raise WireError("the frame's body is not a message")
    return message


def _decode(frame: bytes, to: str):
    if len(frame) < _HEAD.size:
        raise WireError("frame shorter than its header")
    hlen, plen = _HEAD.unpack_from(frame)
    if len(frame) != _HEAD.size + hlen + plen:
        raise WireError("frame length does not match its header")
    try:
        header = json.loads(frame[_HEAD.size:_HEAD.size + hlen])
    except ValueError as exc:
        raise WireError(f"header is not JSON: {exc}") from None
    payload = memoryview(frame)[_HEAD.size + hlen:]
    arrays = []
    for spec in header.get("tensors", []):
        if spec.get("dtype") not in _DTYPES:
            raise WireError(f"dtype {spec.get('dtype')!r} is not allowed on the wire")
        np_dtype, _ = _DTYPES[spec["dtype"]]
        start, nbytes = int(spec["offset"]), int(spec["nbytes"])
        shape = tuple(int(s) for s in spec["shape"])
        if start < 0 or start + nbytes > len(payload):
            raise WireError("tensor bytes out of range")
        arr = np.frombuffer(payload[start:start + nbytes], dtype=np_dtype).reshape(shape).copy()
        arrays.append(torch.from_numpy(arr) if to == "torch" else arr)

    def walk(value):
        if isinstance(value, dict):
            if set(value) == {"$t"}:
                index = value["$t"]
                if not isinstance(index, int) or not 0 <= index < len(arrays):
                    raise WireError(f"tensor {index!r} is not in the frame")
                return arrays[index]
            if set(value) == {"$f"}:
                return float(value["$f"])
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(header.get("body"))


def as_bytes(text: str) -> np.ndarray:
    """Text for the payload: its UTF-8 bytes, raw (in the JSON header a control character
    would take six bytes, and a whole file would be copied as JSON text)."""
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def text_of(value) -> str:
    """The text ``as_bytes`` sent (a plain string is taken as it is)."""
    if isinstance(value, str):
        return value
    if isinstance(value, torch.Tensor):
        value = value.numpy()
    return bytes(np.asarray(value, dtype=np.uint8)).decode("utf-8", "surrogatepass")


def send(sock: socket.socket, message) -> None:
    sock.sendall(encode(message))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_frame_fd(fd: int, deadline: float | None, max_header: int = MAX_HEADER) -> bytes | None:
    """Read one frame from a file descriptor; None on EOF before any byte."""
    buf = bytearray()
    need = _HEAD.size
    header_done = False
    while len(buf) < need:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("deadline passed")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise Timeout("deadline passed")
        chunk = os.read(fd, min(1 << 20, need - len(buf)))
        if not chunk:
            if not buf:
                return None
            raise WireError("connection closed in the middle of a frame")
        buf += chunk
        if not header_done and len(buf) >= _HEAD.size:
            hlen, plen = _HEAD.unpack_from(buf)
            if hlen > max_header or plen > MAX_PAYLOAD:
                raise WireError(f"frame too large ({hlen + plen} bytes)")
            need = _HEAD.size + hlen + plen
            header_done = True
    return bytes(buf)


def recv(sock: socket.socket, deadline: float | None = None, to: str = "torch",
         max_header: int = MAX_HEADER):
    """Receive and decode one message; None when the peer closed cleanly."""
    frame = read_frame_fd(sock.fileno(), deadline, max_header)
    return None if frame is None else decode(frame, to=to)
