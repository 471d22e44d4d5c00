"""Exceptions raised by tsunami."""


class ImmutableEventError(Exception):
    """Raised on an attempt to change or delete a recorded event."""
