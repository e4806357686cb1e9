"""The `qareview` console script: the app's commands (web.cli), with create_app's settings."""

from flask.cli import FlaskGroup

from web import create_app

main = FlaskGroup(create_app=create_app, add_default_commands=False, add_version_option=False,
                  load_dotenv=False, help="qareview: the QA Case Review Unit's workflow service.")
