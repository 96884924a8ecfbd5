"""Domain errors. Views and the API map these to responses in one place each."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class: an operation was refused and nothing was changed."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """Input is not acceptable; `errors` names each bad field."""

    code = "invalid"

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {text}" for field, text in self.errors.items()))


class NotFound(DomainError):
    """The object does not exist, or the actor may not see it (the same answer)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it."""

    code = "forbidden"


class Conflict(DomainError):
    """The caller's version is stale; `current_version` is the one to retry with."""

    code = "conflict"

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class InvalidOperation(DomainError):
    """The operation is not possible in the object's current state."""

    code = "invalid_operation"
