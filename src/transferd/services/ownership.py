"""Who may see what: data belongs to an application, narrowed by ``user_identifier`` when the
token carries one (decision D7). A foreign resource looks exactly like a missing one (D5)."""

from __future__ import annotations

from transferd.auth.guard import Principal


def visible_to(principal: Principal, application_id: str, user_identifier: str | None) -> bool:
    if principal.application_id != application_id:
        return False
    return principal.user_identifier is None or principal.user_identifier == user_identifier
