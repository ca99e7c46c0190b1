"""The learners' blueprint, on which every learner view registers itself."""

from flask import Blueprint

bp = Blueprint("learner", __name__)
