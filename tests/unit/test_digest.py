"""The daily digest against a real SMTP server (aiosmtpd on a loopback port): what each user
receives on tests.fixtures.TODAY with the next actions of ``fill_work`` (the digest on for
EXEC, REPORT, REPORT_M12 and NOROLE), that nothing goes twice, and what a refused login, a
server that is down and a missing configuration give, from ``fcu.digest`` and from
``python -m fcu digest``."""

from __future__ import annotations

from datetime import date

import pytest

from fcu import cli, digest, mail, referrals, users
from fcu.access import EMAIL_IN_TEXT, AccessDenied, get_user
from fcu.db import Database
from tests.fixtures import (
    ADMIN,
    ALPHA,
    BASE_URL,
    BETA,
    CONTACT_EMAIL,
    EXEC,
    FABRIKAM_ADMIN,
    FIXTURE_USERS,
    MAIL_FROM,
    NOROLE,
    REPORT,
    REPORT_M12,
    TODAY,
    LocalSmtp,
    text_of,
)

# The login test's server asks for AUTH without TLS: a loopback server of the test's own.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def smtp():
    with LocalSmtp() as server:
        yield server


def send(path, server, on=TODAY, **extra):
    db = Database(path)
    try:
        return digest.run(db, on, config=mail.settings(server.environ(**extra), {}))
    finally:
        db.close()


def outcomes(path) -> dict[str, tuple]:
    db = Database(path)
    try:
        return {e: (o, a) for e, o, a in db.execute("SELECT email, outcome, attempts FROM digests")}
    finally:
        db.close()


def test_each_subscriber_gets_their_own_items_in_text_and_html(work_db, smtp):
    done = send(work_db, smtp)
    assert done.ok and sorted(done.sent) == sorted([EXEC, REPORT, REPORT_M12])
    got = smtp.by_recipient()
    assert sorted(got) == sorted([EXEC, REPORT, REPORT_M12])  # not NOROLE, nor non-subscribers
    assert all(len(m) == 1 for m in got.values())

    message = got[EXEC][0]
    assert message["From"] == MAIL_FROM
    assert message["Subject"] == "FCU: 6 items in My work on 2026-11-03"
    plain, markup = text_of(message)
    for words in (
        "Next actions overdue (1)",
        f"Alpha Corp: Call {CONTACT_EMAIL} about the pilot · 2026-11-01 (2 days overdue)",
        "Beta School: Run the Teams workshop · 2026-11-06 (in 3 days) · owner: you",
        "Referral R1",
        "5 days left of 7 (by 2026-11-08)",
        "Claim C4 on Exchange Online",
        "potential earnings $2,000",
        f"{BASE_URL}/tenant?tenant={ALPHA}&section=notes",
        f"{BASE_URL}/referrals?rfa=R3",
        f"{BASE_URL}/my_work",
    ):
        assert words in plain, words
    assert f'href="{BASE_URL}/tenant?tenant={BETA}&amp;section=workloads"' in markup
    assert "Claim C4 on Exchange Online" in markup

    scoped_plain, _ = text_of(got[REPORT_M12][0])
    assert "Beta School" in scoped_plain and "Alpha Corp" not in scoped_plain
    assert "R1" not in scoped_plain and "workshop" not in scoped_plain  # EXEC's, not theirs


def test_a_report_viewers_digest_has_no_amounts_and_no_contact_emails(work_db, smtp):
    send(work_db, smtp)
    message = smtp.by_recipient()[REPORT][0]
    plain, markup = text_of(message)
    for body in (plain, markup):
        assert "$" not in body and "USD" not in body and "earnings" not in body
        assert CONTACT_EMAIL not in body
        assert {m.group(0) for m in EMAIL_IN_TEXT.finditer(body)} == {REPORT}  # theirs alone
    assert "Call ••• about the pilot" in plain
    assert "Alpha Corp" in plain and "Referral R1" in plain


def test_nothing_goes_twice_on_one_day_and_the_next_day_goes_again(work_db, smtp):
    first = send(work_db, smtp)
    again = send(work_db, smtp)
    assert len(first.sent) == 3 and again.sent == [] and len(again.already_sent) == 3
    assert len(smtp.messages) == 3
    assert set(outcomes(work_db).values()) == {("sent", 1)}
    next_day = send(work_db, smtp, on=date(2026, 11, 4))
    assert len(next_day.sent) == 3 and len(smtp.messages) == 6


def test_no_mail_on_a_day_with_nothing_due(work_db, smtp, user):
    db = Database(work_db)
    referrals.accept(db, user(EXEC), "R3", 0)
    db.close()
    done = send(work_db, smtp, on=date(2026, 10, 1))  # C4 is 16 days old; R3 answered
    assert REPORT_M12 in done.nothing_due and REPORT_M12 not in smtp.by_recipient()
    assert REPORT_M12 not in outcomes(work_db)


def test_a_refused_login_sends_nothing_says_why_and_is_retried(work_db, monkeypatch, capsys):
    with LocalSmtp(login=("fcu", "right")) as server:
        failed = send(work_db, server, FCU_SMTP_PASSWORD="wrong")
        assert not failed.ok and not failed.sent and server.messages == []
        assert {e for e, _ in failed.failed} == {EXEC, REPORT, REPORT_M12}
        reason = failed.failed[0][1]
        assert reason.startswith(
            f"The mail server 127.0.0.1:{server.port} refused the login of fcu"
        )
        assert "wrong" not in reason  # the password is never said
        assert set(outcomes(work_db).values()) == {("failed", 1)}
        db = Database(work_db)
        assert [f[1] for f in digest.failures(db, "P1")] == sorted([EXEC, REPORT, REPORT_M12])
        db.close()

        for key, value in server.environ(FCU_SMTP_PASSWORD="wrong").items():
            monkeypatch.setenv(key, value)
        code = cli.main(["--db", str(work_db), "digest", "--today", "2026-11-03"])
        out, err = capsys.readouterr()
        assert code == 1 and "Traceback" not in err and out == ""
        assert "0 sent" in err and "refused the login of fcu" in err
        assert "tried again at the next run" in err

        monkeypatch.setenv("FCU_SMTP_PASSWORD", "right")
        code = cli.main(["--db", str(work_db), "digest", "--today", "2026-11-03"])
        out, err = capsys.readouterr()
        assert code == 0 and "3 sent" in out and err == ""
        assert sorted(server.by_recipient()) == sorted([EXEC, REPORT, REPORT_M12])
        assert set(outcomes(work_db).values()) == {("sent", 3)}
        db = Database(work_db)
        assert digest.failures(db, "P1") == []
        db.close()


def test_a_server_that_is_down_gives_one_sentence_and_exit_1(work_db, monkeypatch, capsys):
    with LocalSmtp() as server:
        environ = server.environ()
    # the server has stopped: nothing listens on its port any more
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    code = cli.main(["--db", str(work_db), "digest", "--today", "2026-11-03"])
    _, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert f"The mail server 127.0.0.1:{environ['FCU_SMTP_PORT']} could not be reached" in err
    assert set(outcomes(work_db).values()) == {("failed", 1)}


def test_without_mail_settings_the_command_says_what_to_set(work_db, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    for key in mail.KEYS:
        monkeypatch.delenv(key, raising=False)
    code = cli.main(["--db", str(work_db), "digest"])
    _, err = capsys.readouterr()
    assert code == 1 and err.startswith("Mail is not configured: set FCU_SMTP_HOST")
    monkeypatch.setenv("FCU_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FCU_MAIL_FROM", MAIL_FROM)
    code = cli.main(["--db", str(work_db), "digest"])
    _, err = capsys.readouterr()
    assert code == 1 and err.startswith("Set FCU_BASE_URL to the address people use")


def test_starttls_asked_of_a_server_without_it_is_refused(work_db, smtp):
    done = send(work_db, smtp, FCU_SMTP_STARTTLS="1")
    assert not done.sent and smtp.messages == []
    assert "does not offer STARTTLS" in done.failed[0][1]


def test_settings_come_from_the_environment_then_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'FCU_SMTP_HOST = "smtp.example.com"\nFCU_SMTP_PORT = 2525\nFCU_MAIL_FROM = '
        f'"{MAIL_FROM}"\nFCU_BASE_URL = "{BASE_URL}/"\n[auth]\nclient_id = "x"\n'
    )
    read = mail.read_secrets(secrets)
    assert read["FCU_SMTP_PORT"] == 2525 and "auth" not in read
    config = mail.settings({}, read)
    assert (config.host, config.port, config.starttls, config.base_url) == (
        "smtp.example.com",
        2525,
        True,
        BASE_URL,
    )
    assert mail.settings({"FCU_SMTP_PORT": "25"}, read).port == 25
    assert "password" not in repr(
        mail.settings({"FCU_SMTP_PASSWORD": "s3cret", "FCU_SMTP_USER": "u"}, read)
    )
    with pytest.raises(mail.MailError, match="FCU_SMTP_STARTTLS must be 1"):
        mail.settings({"FCU_SMTP_STARTTLS": "yes"}, read)
    assert not mail.settings({}, {}).configured


def test_the_opt_in_by_command_and_by_whom(work_db, capsys, user):
    assert cli.main(["--db", str(work_db), "users", "digest", ADMIN.upper(), "on"]) == 0
    assert capsys.readouterr().out == f"Daily digest on for {ADMIN}.\n"
    assert cli.main(["--db", str(work_db), "users", "digest", EXEC, "off"]) == 0
    assert cli.main(["--db", str(work_db), "users", "digest", "ghost@x.example", "on"]) == 1
    assert "No user 'ghost@x.example'" in capsys.readouterr().err
    db = Database(work_db)
    try:
        assert [u.email for u in digest.subscribers(db, "P1")] == sorted(
            [ADMIN, REPORT, REPORT_M12]
        )
        digest.set_subscription(db, REPORT, REPORT, False, acting_for=user(REPORT))
        with pytest.raises(AccessDenied):
            digest.set_subscription(db, REPORT, EXEC, True, acting_for=user(REPORT))
        with pytest.raises(AccessDenied):
            digest.set_subscription(db, FABRIKAM_ADMIN, EXEC, True, acting_for=user(FABRIKAM_ADMIN))
        digest.set_subscription(db, ADMIN, EXEC, True, acting_for=get_user(db, ADMIN))
        assert digest.subscribed(db, EXEC) and not digest.subscribed(db, REPORT)
        actions = db.execute(
            "SELECT action, actor FROM audit WHERE action LIKE 'digest.%' ORDER BY audit_id"
        )
        assert actions[-1] == ("digest.on", ADMIN)
        assert NOROLE not in [u.email for u in digest.subscribers(db)]  # no role, no mail
        users.remove_user(db, "tests", REPORT_M12)
        users.save_user(db, "tests", FIXTURE_USERS[REPORT_M12])
        assert not digest.subscribed(db, REPORT_M12)  # removed and re-added: off
    finally:
        db.close()


def test_a_long_section_lists_25_and_counts_the_rest(work_db, smtp, user):
    db = Database(work_db)
    try:
        queue = digest.workqueue.work_queue(db, user(EXEC), TODAY)
        many = digest.WorkQueue(EXEC, TODAY, False, queue.of("referral") * 20)  # 40 items
        plain, markup = text_of(digest.compose(many, user(EXEC), mail.settings(smtp.environ(), {})))
    finally:
        db.close()
    assert "Referrals to accept or decline (40)" in plain
    assert (
        plain.count("- Alpha Corp: Referral R1") + plain.count("- Beta School: Referral R3") == 25
    )
    assert f"- … and 15 more on My work: {BASE_URL}/my_work" in plain
    assert "… and 15 more on My work</a>" in markup


def test_the_app_sends_at_the_configured_hour(work_db, monkeypatch):
    from datetime import datetime

    from fcu import daily

    assert daily.next_run(datetime(2026, 11, 3, 5, 59), 6) == datetime(2026, 11, 3, 6, 0)
    assert daily.next_run(datetime(2026, 11, 3, 6, 0), 6) == datetime(2026, 11, 4, 6, 0)
    db = Database(work_db)
    try:
        monkeypatch.delenv(digest.HOUR, raising=False)
        assert not digest.start_daily(db)  # no hour: no thread
        assert "set FCU_DIGEST_HOUR (0-23, UTC)" in digest.describe(db, "P1")
        monkeypatch.setenv(digest.HOUR, "25")
        assert daily.hour(digest.HOUR) is None
        monkeypatch.setenv(digest.HOUR, "6")
        assert "every day at 06:00 UTC" in digest.describe(db, "P1")
    finally:
        db.close()
