"""Datasets: one module per dataset (offline lesson-scale loaders and full-scale loaders).

Import the module you need, e.g. ``from course_lib.data import digits``; nothing is
imported here so that loading one dataset never pulls in another's dependencies.
"""
