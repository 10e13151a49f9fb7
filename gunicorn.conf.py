# Read by every `gunicorn` started from this folder (make run, the Dockerfile, docker-compose.yml):
# access logs keep the path but never the secret in an invitation, status or password-reset link.
logger_class = "hod.gunicorn_logging.RedactingLogger"
