import socket

import numpy as np
import pytest
import torch

from autograder import wire


def test_round_trip_keeps_dtypes_shapes_and_values():
    msg = {"a": torch.arange(6, dtype=torch.float64).reshape(2, 3), "b": [torch.tensor([True]), 1.5],
           "c": np.zeros((0, 2), dtype=np.int32), "d": float("nan"), "e": "text"}
    out = wire.decode(wire.encode(msg))
    assert torch.equal(out["a"], msg["a"]) and out["a"].dtype == torch.float64
    assert out["b"][0].dtype == torch.bool and out["b"][1] == 1.5
    assert tuple(out["c"].shape) == (0, 2) and out["c"].dtype == torch.int32
    assert np.isnan(out["d"]) and out["e"] == "text"
    assert isinstance(wire.decode(wire.encode(msg), to="numpy")["a"], np.ndarray)


def test_grad_tensors_and_bfloat16_are_sent_as_plain_data():
    t = torch.ones(2, requires_grad=True) * 2
    out = wire.decode(wire.encode({"t": t, "h": torch.ones(2, dtype=torch.bfloat16)}))
    assert not out["t"].requires_grad and out["h"].dtype == torch.float32


def test_rejects_dtypes_that_are_not_plain_numbers():
    frame = bytearray(wire.encode({"t": torch.ones(2)}))
    frame = bytes(frame).replace(b'"float32"', b'"object!"')
    with pytest.raises(wire.WireError, match="not allowed"):
        wire.decode(frame)


def test_truncated_frame_and_timeout():
    a, b = socket.socketpair()
    frame = wire.encode({"x": torch.ones(1000)})
    a.sendall(frame[:100])
    a.close()
    with pytest.raises(wire.WireError, match="middle of a frame"):
        wire.recv(b, deadline=None)
    c, d = socket.socketpair()
    import time
    with pytest.raises(wire.Timeout):
        wire.recv(d, deadline=time.monotonic() + 0.05)


def test_frames_over_the_size_limit_are_refused():
    a, b = socket.socketpair()
    a.sendall(wire._HEAD.pack(10, wire.MAX_PAYLOAD + 1))
    with pytest.raises(wire.WireError, match="too large"):
        wire.recv(b)
