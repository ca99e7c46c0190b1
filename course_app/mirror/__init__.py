"""The static mirror: a complete, JavaScript-free copy of the courses (``export``), and the signatures
that let readers tell it is exactly what its publisher wrote (``signing``)."""
