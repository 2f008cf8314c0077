"""Provides the transports: one request's bytes out, the reply's bytes in (TCP, serial, in-memory).

A transport knows nothing of JSON; framing and parsing live in ``nanoheater.protocol``.
"""

from __future__ import annotations
