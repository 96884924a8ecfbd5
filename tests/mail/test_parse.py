"""parse_message on messages built for one point each: given raw bytes, then the parsed fields."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest

from relaydesk.mail.inbound.charsets import clean_text
from relaydesk.mail.inbound.parse import parse_message

HEAD = (
    b"From: Alice <alice@acme.example>\r\n"
    b"To: Desk <desk@relay.example>\r\n"
    b"Date: Mon, 03 Feb 2025 10:00:00 +0100\r\n"
    b"Message-ID: <m1@acme.example>\r\n"
)


def message(headers: bytes, body: bytes = b"Hello\r\n", *, head: bytes = HEAD) -> bytes:
    return head + headers + b"\r\n" + body


def multipart(subtype: str, *parts: bytes, headers: bytes = b"") -> bytes:
    boundary = b"BOUNDARY-" + subtype.encode()
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + boundary + b"--\r\n"
    content_type = f'Content-Type: multipart/{subtype}; boundary="'.encode() + boundary + b'"\r\n'
    return message(headers + b"MIME-Version: 1.0\r\n" + content_type, body)


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe text body\r\n"


# --- encoded words and charsets ------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (b"=?utf-8?q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        (b"=?ISO-8859-1?B?R3L832Vu?=", "Grüßen"),
        # A character split across two encoded words is joined before decoding.
        (b"=?utf-8?b?R3LD?= =?utf-8?b?vMOfZQ==?=", "Grüße"),
        # Whitespace between encoded words goes; between a word and text it stays.
        (b"=?utf-8?q?a?= =?utf-8?q?b?= c", "ab c"),
        # Malformed: 8-bit bytes inside an encoded word, in the declared charset.
        (b"=?iso-8859-1?q?Fr\xf6sche?=", "Frösche"),
        # Wrong charset: UTF-8 bytes labelled Latin-1 are not turned into mojibake.
        (b"=?iso-8859-1?q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        (b"=?utf-7?q?+AOQ-rger?=", "ärger"),
        (b"=?x-unknown?q?plain?=", "plain"),
        (b"=?utf-8?q?no_end", "no end"),
        # Spaces inside an encoded word are illegal but sent.
        (b"=?utf-8?q?with space?=", "with space"),
        (b"Bare UTF-8 \xc3\xa4", "Bare UTF-8 ä"),
        (b"=?iso-2022-jp?B?GyRCLSEbKEIgGyRCNF0/dDt6JUYlOSVIGyhC?=", "① 丸数字テスト"),
    ],
)
def test_subjects_are_decoded(subject: bytes, expected: str) -> None:
    mail = parse_message(message(b"Subject: " + subject + b"\r\n"))
    assert mail.subject == expected
    assert "\ufffd" not in mail.subject


def test_bare_8bit_header_uses_the_charset_of_the_body() -> None:
    raw = message(
        b"Subject: Gr\xfc\xdfe\r\nContent-Type: text/plain; charset=iso-8859-1\r\n",
        b"Gr\xfc\xdfe aus K\xf6ln\r\n",
    )
    mail = parse_message(raw)
    assert mail.subject == "Grüße"
    assert mail.text == "Grüße aus Köln"


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        (b"us-ascii", "Grüße €".encode(), "Grüße €"),  # UTF-8 declared as ASCII
        (b"iso-8859-1", "Grüße".encode(), "Grüße"),  # UTF-8 declared as Latin-1
        (b"utf-8", "Grüße".encode("cp1252"), "Grüße"),  # Windows-1252 declared as UTF-8
        (b"utf-8", "Grüße € ".encode() + b"caf\xe9", "Grüße € café"),  # mixed
        (b"x-foo-bar", "Grüße".encode(), "Grüße"),  # unknown charset
        (b"ks_c_5601-1987", "고맙습니다".encode("cp949"), "고맙습니다"),
        (b"iso-8859-1", "naïve – ok".encode("cp1252"), "naïve – ok"),  # cp1252 extras
        (b"gb2312", "测试".encode("gb18030"), "测试"),
    ],
)
def test_bodies_fall_back_to_a_charset_that_fits(
    charset: bytes, body: bytes, expected: str
) -> None:
    raw = message(b"Subject: x\r\nContent-Type: text/plain; charset=" + charset + b"\r\n", body)
    mail = parse_message(raw)
    assert mail.text == expected
    assert "\ufffd" not in mail.text


def test_a_wrong_charset_is_reported_as_a_problem() -> None:
    raw = message(b"Content-Type: text/plain; charset=utf-8\r\n", b"Gr\xfc\xdfe")
    mail = parse_message(raw)
    assert mail.text == "Grüße"
    assert any("charset 'utf-8' does not fit" in problem for problem in mail.problems)


def test_nul_bytes_never_reach_a_text_field() -> None:
    raw = message(
        b"Subject: =?utf-8?q?a=00b?=\r\nContent-Type: text/plain; charset=utf-8\r\n",
        b"x\x00y and some more text, long enough to be read as text",  # one stray NUL
    )
    mail = parse_message(raw)
    assert mail.subject == "a b"  # a control character in a one-line field becomes a space
    assert mail.text == "xy and some more text, long enough to be read as text"


def test_the_final_clean_up_drops_nul_and_lone_surrogates() -> None:
    # Python's decoders refuse lone surrogates, but the parser keeps undecoded
    # bytes as surrogate escapes: this is the guard behind every text field.
    assert clean_text("a\x00b\udcff\ud800c") == "abc"


def test_many_nul_bytes_make_a_text_part_a_file() -> None:
    mail = parse_message(message(b"Content-Type: text/plain\r\n", b"MZ\x90\x00\x03\x00\x00\x00"))
    assert mail.text == ""
    assert [(a.filename, a.content) for a in mail.attachments] == [
        ("attachment-1.bin", b"MZ\x90\x00\x03\x00\x00\x00")
    ]


# --- addresses, ids, dates -----------------------------------------------------------


def test_a_display_name_that_looks_like_an_address_is_not_the_sender() -> None:
    raw = message(b"Subject: x\r\n", head=b'From: "admin@bank.example" <evil@x.example>\r\n')
    mail = parse_message(raw)
    assert mail.from_address == "evil@x.example"
    assert mail.from_name == "admin@bank.example"


def test_an_encoded_display_name_cannot_smuggle_an_address() -> None:
    raw = message(b"", head=b"From: =?utf-8?q?Boss_<boss@acme.example>?= <evil@x.example>\r\n")
    assert parse_message(raw).from_address == "evil@x.example"


def test_an_unparsable_sender_gives_no_address_and_a_problem() -> None:
    mail = parse_message(message(b"Subject: x\r\n", head=b"From: just a name\r\n"))
    assert mail.from_address == ""
    assert mail.from_name == "just a name"
    assert "From has no usable address" in mail.problems


def test_recipient_lists_and_envelope_headers() -> None:
    raw = message(
        b'Cc: "Doe, John" <JD@Example.COM>, =?utf-8?q?J=C3=B6rg?= <j@x.example>\r\n'
        b"Reply-To: undisclosed-recipients:;\r\n"
        b"Delivered-To: desk@relay.example\r\nX-Original-To: help@relay.example\r\n"
        b"Envelope-To: desk@relay.example\r\n"
    )
    mail = parse_message(raw)
    assert mail.to == ("desk@relay.example",)
    assert mail.cc == ("JD@example.com", "j@x.example")
    assert mail.reply_to == ()
    assert mail.delivered_to == ("desk@relay.example", "help@relay.example")


def test_message_ids_lose_their_brackets() -> None:
    raw = message(
        b"In-Reply-To: <a@x.example>\r\n"
        b"References: <r1@x.example>\r\n <r2@x.example> <a@x.example>\r\n"
    )
    mail = parse_message(raw)
    assert mail.message_id == "m1@acme.example"
    assert mail.in_reply_to == ("a@x.example",)
    assert mail.references == ("r1@x.example", "r2@x.example", "a@x.example")


def test_a_missing_message_id_is_derived_from_the_bytes() -> None:
    raw = b"From: a@b.example\r\nSubject: no id\r\n\r\nbody\r\n"
    first, again, other = parse_message(raw), parse_message(raw), parse_message(raw + b"!")
    assert first.message_id == again.message_id
    assert first.message_id.startswith("sha256.")
    assert first.message_id.endswith("@relaydesk.invalid")
    assert other.message_id != first.message_id
    assert any("Message-ID" in problem for problem in first.problems)


def test_dates_are_read_in_utc_or_left_out() -> None:
    assert parse_message(message(b"")).date == dt.datetime(2025, 2, 3, 9, 0, tzinfo=dt.UTC)
    raw = b"From: a@b.example\r\nDate: the day after tomorrow\r\n\r\nx"
    assert parse_message(raw).date is None


# --- structure: body, attachments ----------------------------------------------------


def test_the_text_part_of_an_alternative_is_the_text_and_html_is_sanitised() -> None:
    html = (
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>The <b>HTML</b></p><script>alert(1)</script>"
    )
    mail = parse_message(multipart("alternative", TEXT_PART, html))
    assert mail.text == "The text body"
    assert "<b>HTML</b>" in mail.html
    assert "script" not in mail.html
    assert mail.attachments == ()


def test_html_only_mail_gets_its_text_from_the_html() -> None:
    raw = message(
        b"Content-Type: text/html; charset=utf-8\r\n",
        b"<html><head><style>p{color:red}</style></head><body><p>Hello &amp; welcome</p>"
        b"<ul><li>one</li><li>two</li></ul><div>line 1</div><div>line 2</div></body></html>",
    )
    mail = parse_message(raw)
    assert mail.text == "Hello & welcome\n\n- one\n- two\n\nline 1\nline 2"
    assert "<p>Hello &amp; welcome</p>" in mail.html


# Inputs on which nh3 (html5ever) alone takes from seconds to minutes.
HOSTILE_HTML = {
    "150,000 unclosed <div>": b"<div>" * 150_000 + b"x",
    "200,000 references in one paragraph": b"<p>" + b"a &amp; b " * 80_000 + b"x</p>",
    "300,000 copyright signs in an attribute": b'<p title="' + "©".encode() * 300_000 + b'">x</p>',
    "C1 controls from mislabelled Windows-1252": b"<p>" + b"ab\xc2\x81" * 200_000 + b"x</p>",
}


@pytest.mark.parametrize("html", HOSTILE_HTML.values(), ids=HOSTILE_HTML.keys())
def test_html_is_handled_in_bounded_time(html: bytes) -> None:
    raw = message(b"Content-Type: text/html; charset=utf-8\r\n", html)
    started = time.perf_counter()
    mail = parse_message(raw)
    assert time.perf_counter() - started < 1.0
    assert mail.text.endswith("x")


def test_inline_images_keep_their_content_id_and_the_html_points_at_it() -> None:
    png = base64.b64encode(b"\x89PNG fake")
    html = b'Content-Type: text/html\r\n\r\n<p>Logo: <img src="cid:logo@x.example"></p>'
    image = (
        b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-ID: <logo@x.example>\r\n\r\n" + png
    )
    unreferenced = (
        b"Content-Type: image/png; name=other.png\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-ID: <other@x.example>\r\n\r\n" + png
    )
    mail = parse_message(multipart("related", html, image, unreferenced))
    logo, other = mail.attachments
    assert (logo.filename, logo.content_id, logo.is_inline) == (
        "attachment-1.png",
        "logo@x.example",
        True,
    )
    assert logo.content == b"\x89PNG fake"
    assert (other.filename, other.is_inline) == ("other.png", False)
    assert 'src="cid:logo@x.example"' in mail.html
    assert mail.text == "Logo:"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # RFC 2231 with charset and continuations.
        (
            b"Content-Type: application/pdf\r\n"
            b"Content-Disposition: attachment; filename*0*=utf-8''Rechnung%20M%C3%A4rz;\r\n"
            b' filename*1=".pdf"\r\n',
            "Rechnung März.pdf",
        ),
        # An encoded word inside a quoted parameter (not allowed, widely sent).
        (
            b'Content-Type: application/pdf; name="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="\r\n'
            b"Content-Disposition: attachment\r\n",
            "résumé.pdf",
        ),
        # Only name= on Content-Type.
        (b'Content-Type: image/gif; name="dot.gif"\r\n', "dot.gif"),
        # Raw 8-bit UTF-8 in the name.
        (
            b"Content-Type: text/plain\r\n"
            b'Content-Disposition: attachment; filename="\xc3\xa4.txt"\r\n',
            "ä.txt",
        ),
        # No name at all: one from the content type.
        (
            b"Content-Type: application/pdf\r\nContent-Disposition: attachment\r\n",
            "attachment-1.pdf",
        ),
        (b"Content-Type: application/x-unheard-of\r\n", "attachment-1.bin"),
        # The declared name, unsanitised: the pipeline applies safe_filename.
        (b'Content-Type: image/gif; name="/evil/filename"\r\n', "/evil/filename"),
    ],
)
def test_attachment_names(headers: bytes, expected: str) -> None:
    mail = parse_message(multipart("mixed", TEXT_PART, headers + b"\r\ndata"))
    assert [attachment.filename for attachment in mail.attachments] == [expected]
    assert mail.text == "The text body"


def test_a_forwarded_message_stays_one_attachment_named_after_its_subject() -> None:
    inner = (
        b"From: Bob <bob@x.example>\r\nSubject: Original problem\r\n"
        b"Content-Type: text/plain\r\n\r\nInner text\r\n"
    )
    forwarded = b"Content-Type: message/rfc822\r\n\r\n" + inner
    mail = parse_message(multipart("mixed", TEXT_PART, forwarded))
    (attachment,) = mail.attachments
    assert attachment.filename == "Original problem.eml"
    assert attachment.content_type == "message/rfc822"
    assert mail.text == "The text body"  # the inner body is not the main body
    again = parse_message(attachment.content)
    assert (again.subject, again.text, again.from_address) == (
        "Original problem",
        "Inner text",
        "bob@x.example",
    )


def test_a_base64_encoded_forwarded_message_is_decoded() -> None:
    inner = b"Subject: Inside\r\n\r\nInner text\r\n"
    forwarded = (
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(inner)
    )
    (attachment,) = parse_message(multipart("mixed", TEXT_PART, forwarded)).attachments
    assert attachment.filename == "Inside.eml"
    assert parse_message(attachment.content).text == "Inner text"


def test_winmail_dat_and_calendar_invitations_are_kept_as_attachments() -> None:
    tnef = (
        b"Content-Type: application/ms-tnef; name=winmail.dat\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"\x78\x9f\x3e\x22")
    )
    calendar = (
        b"Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\nBEGIN:VCALENDAR\r\n"
    )
    mail = parse_message(multipart("mixed", TEXT_PART, tnef, calendar))
    names = [(a.filename, a.content_type) for a in mail.attachments]
    assert names == [("winmail.dat", "application/ms-tnef"), ("attachment-2.ics", "text/calendar")]
    assert mail.attachments[0].content == b"\x78\x9f\x3e\x22"
    assert mail.text == "The text body"


def test_inline_text_parts_of_a_mixed_message_form_the_body_in_order() -> None:
    image = b"Content-Type: image/png; name=a.png\r\nContent-Disposition: inline\r\n\r\nx"
    second = b"Content-Type: text/plain\r\n\r\nafter the image\r\n"
    attached = b"Content-Type: text/plain; name=log.txt\r\n\r\na log\r\n"
    mail = parse_message(multipart("mixed", TEXT_PART, image, second, attached))
    assert mail.text == "The text body\n\nafter the image"
    assert [a.filename for a in mail.attachments] == ["a.png", "log.txt"]


def test_uuencoded_files_in_the_text_become_attachments() -> None:
    body = b"See the file.\r\n\r\nbegin 644 hello.txt\r\n&:&5L;&\\*\r\n`\r\nend\r\n\r\nBye\r\n"
    mail = parse_message(message(b"Content-Type: text/plain\r\n", body))
    assert [(a.filename, a.content) for a in mail.attachments] == [("hello.txt", b"hello\n")]
    assert "begin 644" not in mail.text
    assert "Bye" in mail.text


def test_format_flowed_paragraphs_are_joined() -> None:
    raw = message(
        b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n",
        b"A long line that was \r\nwrapped by the sender.\r\n"
        b"> quoted and \r\n> wrapped\r\n-- \r\nSig\r\n",
    )
    assert parse_message(raw).text == (
        "A long line that was wrapped by the sender.\n> quoted and wrapped\n-- \nSig"
    )


# --- broken input --------------------------------------------------------------------


def test_a_multipart_without_boundary_is_read_as_text() -> None:
    raw = message(b"Content-Type: multipart/mixed\r\n", b"Just some text\r\n")
    mail = parse_message(raw)
    assert mail.text == "Just some text"
    assert any("no parts found" in problem for problem in mail.problems)


def test_a_truncated_multipart_keeps_what_arrived() -> None:
    raw = multipart("mixed", TEXT_PART, b"Content-Type: application/pdf; name=a.pdf\r\n\r\n%PDF")
    truncated = raw[: raw.rindex(b"--BOUNDARY-mixed--")]
    mail = parse_message(truncated)
    assert mail.text == "The text body"
    assert [a.filename for a in mail.attachments] == ["a.pdf"]


def test_header_lines_python_would_end_the_headers_at_are_repaired() -> None:
    raw = (
        b"From: alice@acme.example\r\nX-Junk line without colon\r\nSubject : spaced\r\n"
        b'Content-Type: multipart/alternative;\r\nboundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1--\r\n"
    )
    mail = parse_message(raw)
    assert (mail.subject, mail.text) == ("spaced", "hello")
    assert len(mail.problems) >= 3


def test_binary_data_in_a_text_part_is_kept_as_a_file() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
    mail = parse_message(ole)
    assert mail.text == ""
    assert [a.content for a in mail.attachments] == [ole]


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\xff" * 100, b"From:\r\n\r\n",
     b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
     b"Subject: =?\r\n\r\n", b"Content-Type: message/rfc822\r\n\r\n" * 50,
     b"Content-Type: text/plain; charset=\"\r\n\r\nx", b"From: <@>\r\nTo: ,,,;;:\r\n\r\n"],
)  # fmt: skip
def test_any_input_gives_a_parsed_mail(raw: bytes) -> None:
    mail = parse_message(raw)
    assert mail.message_id


def _nested(depth: int) -> bytes:
    raw = b"From: a@b.example\r\n"
    for level in range(depth):
        raw += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
    return raw + b"Content-Type: text/plain\r\n\r\nx\r\n"


PATHOLOGICAL = {
    "300 nested multiparts": _nested(300),
    "3,000 parts": _nested(1) + b"--b0\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 3000,
    "200,000 parts without headers": _nested(1) + b"--b0\r\n\r\nx\r\n" * 200_000,
    # Python makes a message of every paragraph of a delivery status.
    "a delivery status of 100,000 paragraphs": (
        b"Content-Type: message/delivery-status\r\n\r\n" + b"Action: failed\r\n\r\n" * 100_000
    ),
    # Python compiles every boundary into a regular expression.
    "a 240 KB boundary": b'Content-Type: multipart/mixed; boundary="'
    + b"b" * 240_000
    + b'"\r\n\r\nx',
    # The standard library's parameter splitting is quadratic in semicolons and quotes.
    "40,000 parameters": b"Content-Type: multipart/mixed; " + b'a="b";' * 40_000 + b"\r\n\r\nx",
}


@pytest.mark.parametrize("raw", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_structures_keep_the_message_whole(raw: bytes) -> None:
    started = time.perf_counter()
    mail = parse_message(raw)
    assert time.perf_counter() - started < 1.0
    assert [(a.filename, a.content) for a in mail.attachments] == [("message.eml", raw)]
    assert any("kept whole" in problem for problem in mail.problems)


# --- loop protection facts -----------------------------------------------------------


def test_a_delivery_status_notification_is_a_bounce() -> None:
    status = (
        b"Content-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\nAction: failed\r\n"
    )
    raw = multipart(
        "report", TEXT_PART, status, headers=b"Subject: Undelivered Mail Returned to Sender\r\n"
    ).replace(b"multipart/report;", b"multipart/report; report-type=delivery-status;")
    mail = parse_message(raw)
    assert mail.is_bounce
    assert mail.is_automatic
    assert [a.filename for a in mail.attachments] == ["attachment-1.txt"]


def test_mailer_daemon_with_a_failure_subject_is_a_bounce_but_a_person_is_not() -> None:
    daemon = b"From: MAILER-DAEMON@mx.example\r\nSubject: Returned mail: see transcript\r\n\r\nx"
    assert parse_message(daemon).is_bounce
    person = b"From: postmaster@acme.example\r\nSubject: Printer on floor 2\r\n\r\nx"
    assert not parse_message(person).is_bounce


@pytest.mark.parametrize(
    ("headers", "auto_reply"),
    [
        (b"Auto-Submitted: auto-replied; owner-email=a@b.example\r\n", True),
        (b"Auto-Submitted: auto-generated\r\n", True),
        (b"Auto-Submitted: no\r\n", False),
        (b"X-Autoreply: yes\r\n", True),
        (b"X-Autorespond: yes\r\n", True),
        (b"Precedence: auto_reply\r\n", True),
        (b"X-Auto-Response-Suppress: All\r\n", False),
        (b"Subject: Out of Office: back Monday\r\n", False),
    ],
)
def test_auto_replies_are_recognised_by_their_headers(headers: bytes, auto_reply: bool) -> None:
    assert parse_message(message(headers)).is_auto_reply is auto_reply


def test_auto_submitted_and_precedence_are_lowercased_keywords() -> None:
    mail = parse_message(
        message(b"Auto-Submitted: Auto-Replied (vacation)\r\nPrecedence: BULK\r\n")
    )
    assert (mail.auto_submitted, mail.precedence) == ("auto-replied", "bulk")
    assert mail.is_automatic


def test_list_mail_null_return_path_and_x_loop() -> None:
    raw = message(
        b"List-Id: <users.lists.example>\r\nReturn-Path: < >\r\n"
        b"X-Loop: desk@relay.example\r\nX-Loop: other@x.example\r\n"
    )
    mail = parse_message(raw)
    assert mail.is_list_mail
    assert mail.has_null_return_path
    assert mail.x_loop == ("desk@relay.example", "other@x.example")
    plain = parse_message(message(b"Return-Path: <alice@acme.example>\r\n"))
    assert not plain.is_list_mail
    assert not plain.has_null_return_path
    assert not plain.is_automatic
