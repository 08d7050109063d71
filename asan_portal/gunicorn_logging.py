"""gunicorn's access log without the tokens of private links (gunicorn_conf.logger_class).

gunicorn writes each request line itself, before and outside Django's logging, so the filter in
asan_portal/logs.py never sees it: the manage, rating, live-ticket, calendar and set-password
links would land in the journal in full. Every value a log line may use (request line, path,
query, Referer, headers, environ) goes through asan_portal.pii.link_tokens_redact first
(docs/adr/0019).
"""

from gunicorn.glogging import Logger

from .pii import link_tokens_redact


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: link_tokens_redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
