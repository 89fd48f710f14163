"""The one exception imblab raises for problems with what it was asked to do."""


class ImblabError(ValueError):
    """Bad input or a request that cannot be met.

    The message is a single line that says what was wrong, what was expected
    and how to fix it. The command line prints it as it is and exits with
    status 2; the Python API lets it propagate.

    ``param`` names the Python parameter at fault (``test_size``), which the
    message names too; the command line shows its flag (``--test-size``) instead.
    """

    def __init__(self, message, *, param=None):
        super().__init__(message)
        self.param = param
