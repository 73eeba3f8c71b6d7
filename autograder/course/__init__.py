"""The course's settings: course.yaml -> Settings (points, visibility, limits, seed, language), the secret. No torch."""
from autograder.course.settings import (CheckSetting, Limits, Settings, default_config, find_config,
                                        load, parse, read_secret)
from autograder.errors import ConfigError

__all__ = ["CheckSetting", "ConfigError", "Limits", "Settings", "default_config", "find_config",
           "load", "parse", "read_secret"]
