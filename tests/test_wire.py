import socket

import numpy as np
import pytest
import torch

from autograder.sandbox import protocol


def test_round_trip_keeps_dtypes_shapes_and_values():
    msg = {"a": torch.arange(6, dtype=torch.float64).reshape(2, 3), "b": [torch.tensor([True]), 1.5],
           "c": np.zeros((0, 2), dtype=np.int32), "d": float("nan"), "e": "text"}
    out = protocol.decode(protocol.encode(msg))
    assert torch.equal(out["a"], msg["a"]) and out["a"].dtype == torch.float64
    assert out["b"][0].dtype == torch.bool and out["b"][1] == 1.5
    assert tuple(out["c"].shape) == (0, 2) and out["c"].dtype == torch.int32
    assert np.isnan(out["d"]) and out["e"] == "text"
    assert isinstance(protocol.decode(protocol.encode(msg), to="numpy")["a"], np.ndarray)


def test_grad_tensors_and_bfloat16_are_sent_as_plain_data():
    t = torch.ones(2, requires_grad=True) * 2
    out = protocol.decode(protocol.encode({"t": t, "h": torch.ones(2, dtype=torch.bfloat16)}))
    assert not out["t"].requires_grad and out["h"].dtype == torch.float32


def test_rejects_dtypes_that_are_not_plain_numbers():
    frame = bytearray(protocol.encode({"t": torch.ones(2)}))
    frame = bytes(frame).replace(b'"float32"', b'"object!"')
    with pytest.raises(protocol.WireError, match="not allowed"):
        protocol.decode(frame)


def test_truncated_frame_and_timeout():
    a, b = socket.socketpair()
    frame = protocol.encode({"x": torch.ones(1000)})
    a.sendall(frame[:100])
    a.close()
    with pytest.raises(protocol.WireError, match="middle of a frame"):
        protocol.recv(b, deadline=None)
    c, d = socket.socketpair()
    import time
    with pytest.raises(protocol.Timeout):
        protocol.recv(d, deadline=time.monotonic() + 0.05)


def test_frames_over_the_size_limit_are_refused():
    a, b = socket.socketpair()
    a.sendall(protocol._HEAD.pack(10, protocol.MAX_PAYLOAD + 1))
    with pytest.raises(protocol.WireError, match="too large"):
        protocol.recv(b)
