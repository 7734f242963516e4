"""A local Azure Communication Services emulator: Call Automation REST (HMAC), recording storage behind a CONNECT
proxy, Event Grid delivery, signed callbacks and a control plane. See README.md."""

from .config import EmulatorConfig
from .server import Emulator

__all__ = ["Emulator", "EmulatorConfig"]
