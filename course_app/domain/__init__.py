"""The logic of the product, apart from the web: grading, learners and codes, progress, statistics.

Functions here take the database session as an argument, never see ``request``, flush but
never commit (the view that owns the request commits once), and raise named exceptions.
"""
