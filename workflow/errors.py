"""Domain errors: each says what was refused and why, so the edge can map it to a status."""


class DomainError(Exception):
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class ValidationFailed(DomainError):
    """Fields that do not hold; details map each field to its messages."""

    code = "validation_error"

    def __init__(self, errors: dict[str, list[str]]):
        fields = ", ".join(sorted(errors))
        super().__init__(f"invalid fields: {fields}", errors)


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"

    def __init__(self, trigger: str, state: str, allowed: list[str]):
        offered = ", ".join(allowed) or "none"
        super().__init__(
            f"{trigger!r} is not allowed from state {state!r} (allowed: {offered})",
            {"state": state, "allowed_triggers": allowed},
        )


class StaleVersion(DomainError):
    code = "stale_version"

    def __init__(self, expected: int | None, current: int | None):
        super().__init__(
            "the record was changed by someone else; reload it and try again",
            {"expected_version": expected, "current_version": current},
        )


class NotAllowed(DomainError):
    """A step refused because of where things stand (not its fields): a sample with screened cases is not
    drawn again, a draw with nothing left in the universe is not extended."""

    code = "not_allowed"
