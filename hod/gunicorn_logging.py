"""gunicorn's access log without the secrets in links (gunicorn.conf.py names this logger class).

The request line, the path, the query string, the referring page and any header a log format names
can each carry a link's secret: every text value gunicorn offers the format is redacted.
"""

from gunicorn.glogging import Logger

from hod.redaction import redact_links


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact_links(value) if isinstance(value, str) else value for name, value in atoms.items()}
