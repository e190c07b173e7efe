"""Loads the a2c-lessons grading plugin: points per test, time limits, the summary table, --grades-json."""

pytest_plugins = ["a2c_lessons.grading.plugin"]
