"""Staff forms: sign in, enrol an authenticator, sign out; the language choices of the staff pages."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from ..i18n import language_name


class LoginForm(FlaskForm):
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


def language_choices() -> list[tuple[str, str]]:
    """The staff pages' language filter: all languages, then each language the site speaks."""
    return [("", _("All languages")), *((code, language_name(code)) for code in current_app.config["LANGUAGES"])]
