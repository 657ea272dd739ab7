"""Exceptions of the lifecycle, below every module that raises them."""


class TransitionNotAllowed(Exception):
    """The account's current state forbids the transition (message in French)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
