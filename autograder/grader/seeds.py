"""The seeds of a grading: course.yaml's public seed, a hidden seed per submission, and one per probe.

A grading is reproduced exactly from its two recorded seeds (``autograder replay``).
"""
from __future__ import annotations

import hashlib
import hmac


def hidden_seed(secret: bytes, assignment: str, submission_id: str) -> int:
    """The seed of a submission's hidden checks: unpredictable without the course secret."""
    digest = hmac.new(secret, f"{assignment}/{submission_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def probe_seed(base: int, name: str) -> int:
    """The seed of one probe (function and probe name, such as sgd.two) under a public or hidden seed."""
    digest = hashlib.sha256(f"{base}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1
