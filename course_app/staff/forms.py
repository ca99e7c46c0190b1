"""Staff forms: sign in, enrol an authenticator, change a password, sign out; the staff pages' language choices.

The sign-in form's forgery token is signed and stateless: a timestamp signed with a key derived
from ``SECRET_KEY``, bound to nothing in a session. So showing the form writes nothing (no
session, no cookie, no database row) for a visitor who may never sign in; a forged sign-in from
another site is refused by the Origin check (web/cross_site.py) before the token is even read.
Every form after the password step carries Flask-WTF's session-bound token as usual.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from wtforms import Field, Form, HiddenField, PasswordField, StringField, ValidationError
from wtforms.csrf.core import CSRF
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp

from ..clock import clock
from ..i18n import language_name

SIGN_IN_TOKEN_SALT = "course_app staff sign-in form"
# A sign-in form's token is good for an hour (it is bound to no session, so it needs a life of its own).
SIGN_IN_TOKEN_SECONDS = 3600


class _ClockSigner(TimestampSigner):
    """Timestamps from the app's clock, so tests can move time."""

    def get_timestamp(self) -> int:
        return int(clock().timestamp())


def _sign_in_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SIGN_IN_TOKEN_SALT, signer=_ClockSigner)


class StatelessSignInToken(CSRF):
    """A forgery token that is a signed timestamp: valid for ``SIGN_IN_TOKEN_SECONDS``, kept nowhere."""

    def generate_csrf_token(self, csrf_token_field: Field) -> str:
        """A new signed token (nothing is stored)."""
        token: str = _sign_in_serializer().dumps("sign-in")
        return token

    def validate_csrf_token(self, form: Form, field: Field) -> None:
        """Accept a token this server signed for the sign-in form, within its time limit.

        :raises ValidationError: for a missing, altered, foreign or expired token.
        """
        try:
            purpose: Any = _sign_in_serializer().loads(field.data or "", max_age=SIGN_IN_TOKEN_SECONDS)
        except BadData:
            raise ValidationError(_l("The form has expired. Please try again.")) from None
        if purpose != "sign-in":
            raise ValidationError(_l("The form has expired. Please try again."))


class LoginForm(FlaskForm):
    class Meta:
        csrf_class = StatelessSignInToken

    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Type your name.")), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Type your password.")),
                                                         Length(max=200)])
    code = StringField(_l("Code from your authenticator app"),
                       validators=[Optional(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("The code has 6 digits."))])


class EnrolForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[
        InputRequired(message=_l("Type the 6-digit code your app shows.")),
        Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("The code has 6 digits."))])


class LogoutForm(FlaskForm):
    """Signing out is a POST with a CSRF token, so no other site can sign anyone out."""


class ChangePasswordForm(FlaskForm):
    """A signed-in member's new password, typed twice (a fresh sign-in is required to send it)."""

    password = PasswordField(_l("New password"), validators=[InputRequired(message=_l("Type the new password.")),
                                                             Length(max=200)])
    repeat = PasswordField(_l("The new password again"), validators=[
        InputRequired(message=_l("Type the new password again.")),
        EqualTo("password", message=_l("The two passwords are not the same."))])


class LanguageForm(FlaskForm):
    """The signed-in staff pages' language switcher: one button per language, and the page to go back to."""

    lang = StringField(validators=[InputRequired(), Length(max=10)])
    next = HiddenField(validators=[Optional(), Length(max=2000)])


def language_choices() -> list[tuple[str, str]]:
    """The staff pages' language filter: all languages, then each language the site speaks."""
    return [("", _("All languages")), *((code, language_name(code)) for code in current_app.config["LANGUAGES"])]
