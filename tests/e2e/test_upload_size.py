"""An upload whose Content-Length is longer than any form within the org's limits is
refused from that header, before its body is read: the client hears it at once, and the
server spends nothing on the bytes."""

import base64
import socket

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(registry):
    registry.manage("createorg", "sizes", "--visibility", "private")
    return registry.token("sizes", "--permission", "upload")


def _answer(sock: socket.socket) -> tuple[str, bytes]:
    """The status line and body of the HTTP answer on ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection without an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines
                  if line.lower().startswith("content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return lines[0], body


def test_a_200_mb_upload_is_refused_before_its_body_is_sent(registry, token):
    credentials = base64.b64encode(f"__token__:{token}".encode()).decode()
    boundary = "wh-size-test"
    head = (f"POST /sizes/legacy/ HTTP/1.1\r\nHost: 127.0.0.1:{registry.port}\r\n"
            f"Authorization: Basic {credentials}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {200 * 1000 * 1000}\r\n\r\n").encode()
    start = (f'--{boundary}\r\nContent-Disposition: form-data; name=":action"\r\n\r\n'
             "file_upload\r\n").encode()
    # Only the headers and a few bytes of the body are sent: the answer must come without
    # the rest (a server that waited for the body would leave this socket without one).
    with socket.create_connection(("127.0.0.1", registry.port), timeout=60) as sock:
        sock.sendall(head + start)
        status, body = _answer(sock)
    assert status == ("HTTP/1.1 413 File too large. Limit is 100 MiB; this upload sends "
                      "190.7 MiB."), (status, registry.log_tail())
    assert body.decode() == "File too large. Limit is 100 MiB; this upload sends 190.7 MiB.\n"
