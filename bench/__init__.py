"""Benchmarks for course_app (``make bench``); not part of the test suite."""
