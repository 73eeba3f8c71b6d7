"""A stand-in for IPython.display inside the sandbox: displaying does nothing while grading."""


def display(*objs, **kwargs):
    return None


class _Shown:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class HTML(_Shown):
    pass


class Markdown(_Shown):
    pass


class Image(_Shown):
    pass


class SVG(_Shown):
    pass


def clear_output(*args, **kwargs):
    return None


def set_matplotlib_formats(*args, **kwargs):
    return None
