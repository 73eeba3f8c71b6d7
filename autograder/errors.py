"""Errors that end a command with exit code 2 and a message (no torch here: the
command line imports this before anything heavy, so mistakes in its use fail fast)."""


class GradebookError(Exception):
    """The gradebook cannot be used; the message names the file and why."""


class WorkerError(Exception):
    """The warm worker could not be started or stopped answering."""
