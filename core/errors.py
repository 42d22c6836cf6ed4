"""The one exception type for bad user input, shared by every layer.

Anything raised as `InputError` reaches the user as a single line on stderr and exit status 2
(see `render_scripts/cli.py`). Its message names the problem and what is accepted.
"""


class InputError(ValueError):
    """Bad input from the user: a file, an argument, a story key. Exit status 2, no traceback."""
