"""The staff blueprint, on which every staff view registers itself (all under /staff)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
