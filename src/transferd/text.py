"""Rules for free text that ends up in the database."""

from __future__ import annotations

from transferd.errors import ValidationFailed


def refuse_unstorable(value: str, field: str) -> None:
    """JSON may carry "\\u0000" and unpaired "\\ud800" escapes; neither can be stored (PostgreSQL text
    refuses NUL, and a lone surrogate is not UTF-8), so they are a 400 here rather than a 500 later."""
    if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in value):
        raise ValidationFailed(f'"{field}" must not contain NUL characters or unpaired surrogates')
