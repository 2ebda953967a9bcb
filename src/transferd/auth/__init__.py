"""The authorization model: API keys (``api_keys``), signed tokens (``tokens``) and the guard
that checks both on every request (``guard``)."""
