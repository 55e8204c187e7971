"""How problems reach the client: reason phrase (what twine prints) and body."""

from uploads.views import reply


def test_first_problem_in_the_reason_phrase_and_all_in_the_body():
    response = reply(400, ["The wheel is not a ZIP archive.", "Second.", "Third."])
    assert response.reason_phrase == "The wheel is not a ZIP archive. (and 2 more problems)"
    assert response.content.decode() == "The wheel is not a ZIP archive.\nSecond.\nThird.\n"


def test_one_more_problem_is_singular():
    assert reply(400, ["A.", "B."]).reason_phrase == "A. (and 1 more problem)"


def test_reason_phrase_is_one_ascii_line_and_the_body_keeps_the_text():
    response = reply(400, ["Name 'caf\u00e9'\nis\r\ntaken."])
    assert response.reason_phrase == "Name 'caf?' is taken."
    assert "caf\u00e9" in response.content.decode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_retry_after_is_sent_only_when_given():
    assert reply(503, ["Busy."], retry_after=30)["Retry-After"] == "30"
    assert not reply(400, ["No."]).has_header("Retry-After")


def test_success_is_a_plain_ok():
    response = reply(200)
    assert response.status_code == 200 and response.content == b"OK\n"


def test_reason_phrase_never_carries_a_control_character():
    # A value quoted from the form (a version, a name) may hold any character at all.
    response = reply(400, ["Invalid version '1.0\x00\x1b[2J\x7f\x08'."])
    assert response.reason_phrase == "Invalid version '1.0??[2J??'."
    assert response.reason_phrase.isprintable()
