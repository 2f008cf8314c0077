"""Provides room control: heat targets, the staged, PI and bang-bang controllers, and the regulator.

Controllers are pure and clock-free (``decision.Controller``: an observation and a time in, a
decision with a human reason out); ``regulator.Regulator`` is the only async part and talks to
devices through the ``port.HeaterPort`` protocol, which ``HeaterClient`` satisfies.
"""

from __future__ import annotations
