"""EMAIL_URL=filemail:///abs/dir writes the messages to /abs/dir, as DESIGN.md says."""

import subprocess
import sys

from .processes import PROJECT_DIR, child_environment

SEND = """
import django
django.setup()
from django.conf import settings
from django.core.mail import send_mail
send_mail("Order received", "Hello", "orders@example.com", ["lan@example.com"])
print(settings.EMAIL_FILE_PATH)
"""


def send_with(email_url: str, cwd) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SEND],
        cwd=cwd,
        env=child_environment(EMAIL_URL=email_url, PYTHONPATH=str(PROJECT_DIR)),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_filemail_with_an_absolute_path_writes_there(tmp_path):
    mail_dir = tmp_path / "mail out"
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()

    path = send_with(f"filemail://{mail_dir.as_posix().replace(' ', '%20')}", cwd=elsewhere)

    assert path == str(mail_dir)
    [message] = list(mail_dir.iterdir())
    assert "Subject: Order received" in message.read_text()
    assert list(elsewhere.iterdir()) == []  # not a relative folder under the working directory
