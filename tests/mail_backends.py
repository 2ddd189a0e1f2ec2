"""A test e-mail backend, loaded by name (EMAIL_BACKEND) in a celery worker process."""


class PausingFileBackend:
    """Test mail backend: Django's file backend that pauses after each e-mail is written
    (CT39_TEST_MAIL_PAUSE seconds), so that a test can kill a worker in the middle of the
    SMTP step of a digest — the e-mail is out, the worker has not yet recorded it."""

    def __new__(cls, *args, **kwargs):
        import os
        import time

        from django.core.mail.backends.filebased import EmailBackend

        class _Backend(EmailBackend):
            def send_messages(self, messages):
                sent = super().send_messages(messages)
                time.sleep(float(os.environ.get("CT39_TEST_MAIL_PAUSE", "0")))
                return sent

        return _Backend(*args, **kwargs)
