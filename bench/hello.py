"""The baseline: a minimal Flask app, served under exactly the same gunicorn settings as course_app."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
