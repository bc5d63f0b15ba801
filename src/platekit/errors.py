"""User-facing errors: the CLI prints their message on one line and exits non-zero."""


class PlatekitError(Exception):
    """A user mistake or bad input; the message says what is wrong and what to do."""
