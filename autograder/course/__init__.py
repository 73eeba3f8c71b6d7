"""The course's settings, from course.yaml: points, visibility, limits, seed, language, secret. No torch."""
from autograder.course.settings import (CONFIG_VARIABLE, CheckSetting, Limits, Settings, load, locate,
                                        not_found, parse, read_secret)
from autograder.errors import ConfigError

__all__ = ["CONFIG_VARIABLE", "CheckSetting", "ConfigError", "Limits", "Settings", "load", "locate",
           "not_found", "parse", "read_secret"]
