"""An e-mail backend for tests that refuses the first message it is given, then behaves as locmem."""

from django.core.mail.backends.locmem import EmailBackend

state = {"failures_left": 0}


class FailOnceBackend(EmailBackend):
    def send_messages(self, messages):
        if state["failures_left"] > 0:
            state["failures_left"] -= 1
            raise ConnectionRefusedError("SMTP no disponible (prueba)")
        return super().send_messages(messages)
