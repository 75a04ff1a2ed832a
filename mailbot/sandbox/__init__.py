"""The sandbox Exchange: an in-memory organisation served over real HTTP, speaking real EWS SOAP and Microsoft
Graph's REST."""

from __future__ import annotations

from mailbot.sandbox.faults import Faults
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.scenario import load_scenario
from mailbot.sandbox.server import SandboxServer
from mailbot.sandbox.tls import SandboxCA

__all__ = ["Faults", "Organisation", "SandboxCA", "SandboxServer", "load_scenario"]
