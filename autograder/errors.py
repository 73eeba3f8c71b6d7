"""The errors that end a command with exit code 2 and a message that says where and why.

Torch-free, so the command line can import them before anything heavy and fail fast.
Two more exception types stay beside the code that raises them, because they never
reach the command line: ``sandbox.protocol.WireError`` (a frame that is malformed or
late; the near side turns it into a lost probe) and ``sandbox.far.kernel.IsolationError``
(a kernel layer that could not be applied; start-up turns it into a ``WorkerError``).
"""


class ConfigError(Exception):
    """course.yaml (or another setting) is wrong; the message names the file, the key
    and what was expected."""


class UsageError(Exception):
    """The command line names something that cannot be graded as asked."""


class GradebookError(Exception):
    """The gradebook cannot be used; the message names the file and why."""


class OutputError(Exception):
    """An output (results.json, feedback.html, a CSV) cannot be written; the message names
    the file and why. What was graded before stays in the gradebook."""


class WorkerError(Exception):
    """The warm worker could not be started or stopped answering."""


class SandboxError(WorkerError):
    """No sandbox can be built here: the grader refuses to run student code, and says why."""
