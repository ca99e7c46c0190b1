"""Serving the app under gunicorn: its settings, its address-free logger, its worker whose own error
pages carry the security headers, the start-up check, and ``course-app serve``'s runner."""
