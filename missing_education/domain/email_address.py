"""Email addresses as they enter: exactly one valid address per field, checked by email-validator.

One address, no display name, no group, no list, no line break: `a@x, b@y` would send to two
people, a group would be expanded, and a CR/LF could add headers. No DNS look-ups are made
(councils' servers often cannot reach the internet, and a check must not leak who we write to).
"""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email


@lru_cache(maxsize=4096)  # the same referrers and schools write again and again
def email_problem(value: str) -> str | None:
    """Why `value` is not one valid email address (None when it is); never quotes the value."""
    if any(char in value for char in "\r\n,;<>"):
        return "must be one email address (no lists, names or line breaks)"
    try:
        validate_email(value, check_deliverability=False, allow_display_name=False)
    except EmailNotValidError as error:
        # The library's reasons name characters and rules, not the address itself.
        return f"is not a valid email address: {str(error).rstrip('.')}"
    return None
