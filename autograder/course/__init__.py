"""The course's settings, from course.yaml: points, visibility, limits, seed, language, secret. No torch."""
from autograder.course.settings import (CheckSetting, Limits, Settings, default_config, find_config,
                                        load, parse, read_secret)
from autograder.errors import ConfigError

__all__ = ["CheckSetting", "ConfigError", "Limits", "Settings", "default_config", "find_config",
           "load", "parse", "read_secret"]
