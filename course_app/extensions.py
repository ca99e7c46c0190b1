"""Flask extensions, created unbound here and attached to each app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
# Staff sign-in only (learners never sign in; staff/session.py sets it up). No flashed "please
# log in" message (it would write a session for a visitor who only opened a page), and none of
# Flask-Login's session protection: it stores a hash of the client's address and browser, which
# this site never keeps (S3, S4); new tokens at every sign-in step and server-side expiry take its place.
login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = None  # None turns the message off (Flask-Login's documented way)
login_manager.needs_refresh_message = None  # the same for the "confirm it is you" message
login_manager.session_protection = None  # off: see above
