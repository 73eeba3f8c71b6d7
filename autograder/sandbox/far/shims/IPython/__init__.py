"""A stand-in for IPython inside the sandbox: ``get_ipython()`` and ``IPython.display`` exist and do nothing.

Notebooks exported to .py often begin with ``from IPython import get_ipython``, and
the sandbox has no IPython (nor should it start one). As in IPython,
``IPython.display`` is a module and ``IPython.display.display`` the function.
"""


class _Shell:
    """Enough of IPython's InteractiveShell for code that calls get_ipython().magic(...) and the like."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None

    def __bool__(self):
        # False, as in a plain interpreter, for libraries that ask `if get_ipython():` before
        # hooking into the shell's events (matplotlib.pyplot does, on its first figure).
        return False


_SHELL = _Shell()


def get_ipython():
    return _SHELL


__version__ = "0-standin"
version_info = (0, 0, 0, "standin")
