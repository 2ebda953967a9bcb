"""transferd: a self-hostable server compatible with the WeTransfer Public API v2."""

__version__ = "0.1.0"
