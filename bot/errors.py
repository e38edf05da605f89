"""Problems a person running Balai can fix, reported as one paragraph, never a traceback."""


class SetupError(Exception):
    """A missing or invalid setting; the message names it and says what to do."""
