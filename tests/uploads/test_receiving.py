"""The upload form, read by Django's parser with ``uploads.receiving``'s handler: what upload
clients send, the file name as sent, the limits, and bodies that cannot be read."""

import hashlib
import os

import pytest
from django.test import RequestFactory
from requests_toolbelt import MultipartEncoder
from urllib3 import encode_multipart_formdata

from uploads.receiving import FormError, form_read

BOUNDARY = "b0undary-7f3c"
PAYLOAD = (b"PK\x03\x04" + bytes(range(256)) * 40 + b"\r\n--" + BOUNDARY[:-1].encode()
           + b"\r\n-\r\n\r\n--" + b"tail")


@pytest.fixture(autouse=True)
def temp_dir(settings, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def request_for(body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}",
                **meta):
    return RequestFactory().generic("POST", "/acme/legacy/", data=body,
                                    content_type=content_type, **meta)


def raw_body(*parts: bytes, preamble: bytes = b"", epilogue: bytes = b"") -> bytes:
    delimiter = b"--" + BOUNDARY.encode()
    inner = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts)
    return preamble + inner + delimiter + b"--" + epilogue


def text_part(name: str, value: str) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()


def file_part(name: str, filename: str, data: bytes) -> bytes:
    return (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data


def twine_like_body(payload: bytes = PAYLOAD) -> tuple[bytes, str]:
    """The encoder twine and poetry use, with twine's fields (repeated keys included)."""
    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("name", "demo-pkg"),
              ("version", "1.0"), ("filetype", "bdist_wheel"), ("pyversion", "py3"),
              ("metadata_version", "2.4"), ("summary", "Démo ✓"),
              ("classifiers", "Programming Language :: Python"),
              ("classifiers", "License :: OSI Approved"),
              ("sha256_digest", hashlib.sha256(payload).hexdigest()),
              ("content", ("demo_pkg-1.0-py3-none-any.whl", payload,
                           "application/octet-stream"))]
    encoder = MultipartEncoder(fields=fields, boundary=BOUNDARY)
    return encoder.to_string(), encoder.content_type


class TestWhatClientsSend:
    def test_twine_form_fields_file_and_digests(self, temp_dir):
        body, content_type = twine_like_body()
        form = form_read(request_for(body, content_type), max_file_size=10**6)
        assert form.fields["classifiers"] == ["Programming Language :: Python",
                                              "License :: OSI Approved"]
        assert form.fields["summary"] == ["Démo ✓"] and form.fields["pyversion"] == ["py3"]
        assert form.file_fields == ("content",) and not form.too_large
        content = form.content
        assert form.filename == "demo_pkg-1.0-py3-none-any.whl" and content.size == len(PAYLOAD)
        assert content.read() == PAYLOAD
        assert content.digests == {
            "md5": hashlib.md5(PAYLOAD).hexdigest(), "sha256": hashlib.sha256(PAYLOAD).hexdigest(),
            "blake2_256": hashlib.blake2b(PAYLOAD, digest_size=32).hexdigest()}
        assert os.listdir(temp_dir) == [os.path.basename(content.temporary_file_path())]
        content.close()
        assert os.listdir(temp_dir) == []

    def test_urllib3_encoding_reads_alike(self):
        body, content_type = encode_multipart_formdata(
            [("name", "demo"), ("content", ("demo-1.0.tar.gz", PAYLOAD))], boundary=BOUNDARY)
        form = form_read(request_for(body, content_type), max_file_size=10**6)
        assert form.fields == {"name": ["demo"]} and form.content.read() == PAYLOAD
        form.content.close()

    def test_a_file_larger_than_a_chunk(self):
        payload = os.urandom(200 * 1024 + 7)
        body, content_type = twine_like_body(payload)
        form = form_read(request_for(body, content_type), max_file_size=10**6)
        assert form.content.read() == payload and form.content.size == len(payload)
        assert form.content.digests["sha256"] == hashlib.sha256(payload).hexdigest()
        form.content.close()

    def test_empty_values_preamble_and_epilogue(self):
        body = raw_body(text_part("comment", ""), file_part("content", "x.whl", b"\0"),
                        preamble=b"ignored preamble\r\n", epilogue=b"\r\nignored epilogue")
        form = form_read(request_for(body), max_file_size=100)
        assert form.fields == {"comment": [""]} and form.content.read() == b"\0"
        assert form.content.digests["sha256"] == hashlib.sha256(b"\0").hexdigest()
        form.content.close()

    def test_other_file_parts_are_listed_and_dropped(self, temp_dir):
        body = raw_body(file_part("gpg_signature", "x.whl.asc", b"sig"),
                        file_part("content", "x.whl", b"wheel"))
        form = form_read(request_for(body), max_file_size=100)
        assert form.file_fields == ("gpg_signature", "content")
        assert len(os.listdir(temp_dir)) == 1  # the signature was never written
        form.content.close()

    @pytest.mark.parametrize(("disposition", "name", "filename"), [
        # reqwest (uv) quotes a quote with a backslash and may send RFC 2231 names.
        (b'form-data; name="content"; filename="a\\"b.whl"', "content", 'a"b.whl'),
        (b"form-data; name*=utf-8''content; filename=\"x.whl\"", "content", "x.whl"),
        # httpx (hatch, pdm) writes a quote as %22, which stays as it is.
        (b'form-data; name="content"; filename="a%22b.whl"', "content", "a%22b.whl"),
        (b'form-data; name=" content "; filename="x.whl"', "content", "x.whl"),
    ])
    def test_other_encoders_dispositions(self, disposition, name, filename):
        part = b"Content-Disposition: " + disposition + b"\r\n\r\ndata"
        form = form_read(request_for(raw_body(part)), max_file_size=9)
        assert form.file_fields == (name,) and form.filename == filename
        form.content.close()


class TestFileNames:
    """The file name is kept exactly as the client sent it: validation judges that name."""

    @pytest.mark.parametrize("sent", [
        "../../etc/demo-1.0.tar.gz", "/demo-1.0.tar.gz", "C:\\builds\\demo-1.0.tar.gz",
        "demo\x07-1.0.tar.gz", "demo-1.0.tar.gz\x00.exe", "dir/", "..", "&#47;x.whl",
    ])
    def test_paths_and_control_characters_are_kept(self, sent):
        form = form_read(request_for(raw_body(file_part("content", sent, b"x"))), max_file_size=9)
        assert form.filename == sent and form.content.read() == b"x"
        form.content.close()

    def test_rfc_2231_file_name(self):
        part = (b"Content-Disposition: form-data; name=\"content\"; "
                b"filename*=UTF-8''na%C3%AFve-1.0.tar.gz\r\n\r\nx")
        form = form_read(request_for(raw_body(part)), max_file_size=9)
        assert form.filename == "naïve-1.0.tar.gz"
        form.content.close()

    def test_very_long_name_is_kept_whole(self):
        sent = "a" * 300 + "." + "x" * 300
        form = form_read(request_for(raw_body(file_part("content", sent, b"x"))), max_file_size=9)
        assert form.filename == sent and form.content.read() == b"x"
        form.content.close()

    def test_no_file_name_means_no_file(self):
        body = raw_body(text_part("name", "demo"), file_part("content", "", b"x"))
        form = form_read(request_for(body), max_file_size=9)
        assert form.content is None and form.filename is None and form.file_fields == ()


class TestLimits:
    def test_file_over_the_limit_is_dropped_and_flagged(self, temp_dir):
        body = raw_body(file_part("content", "x.whl", b"y" * 200), text_part("name", "demo"))
        form = form_read(request_for(body), max_file_size=199)
        assert form.too_large and form.content is None and os.listdir(temp_dir) == []
        assert form.fields == {"name": ["demo"]}  # the rest of the form was still read

    def test_the_file_parts_together_count_against_the_limit(self, temp_dir):
        body = raw_body(file_part("gpg_signature", "x.whl.asc", b"s" * 6),
                        file_part("content", "x.whl", b"x" * 6))
        form = form_read(request_for(body), max_file_size=10)
        assert form.too_large and form.content is None and os.listdir(temp_dir) == []

    def test_file_at_the_limit_is_kept(self):
        form = form_read(request_for(raw_body(file_part("content", "x.whl", b"y" * 200))),
                         max_file_size=200)
        assert not form.too_large and form.content.size == 200
        form.content.close()

    def test_too_many_fields(self, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
        body = raw_body(*(text_part(f"f{i}", "v") for i in range(5)))
        with pytest.raises(FormError) as error:
            form_read(request_for(body), max_file_size=9)
        assert error.value.status == 400 and "more than 2 fields" in error.value.message

    def test_too_many_files(self, settings, temp_dir):
        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
        body = raw_body(file_part("content", "x.whl", b"x"), file_part("other", "y", b"y"))
        with pytest.raises(FormError) as error:
            form_read(request_for(body), max_file_size=9)
        assert error.value.status == 400 and os.listdir(temp_dir) == []

    def test_text_fields_over_the_memory_limit_are_413(self, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
        body = raw_body(text_part("a", "x" * 60), text_part("b", "x" * 60))
        with pytest.raises(FormError) as error:
            form_read(request_for(body), max_file_size=9)
        assert error.value.status == 413


class TestRefused:
    """Each refusal removes the temporary file it may have started."""

    @pytest.mark.parametrize(("content_type", "message"), [
        ("application/x-www-form-urlencoded", "multipart/form-data"),
        ("multipart/form-data", "boundary"),
        ("multipart/form-data; boundary=" + "b" * 250, "boundary"),
    ])
    def test_content_type(self, content_type, message):
        with pytest.raises(FormError, match=message):
            form_read(request_for(raw_body(text_part("a", "b")), content_type), max_file_size=9)

    def test_empty_body(self):
        with pytest.raises(FormError, match="no part"):
            form_read(request_for(b"", CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}"),
                      max_file_size=9)

    def test_body_cut_short(self, temp_dir):
        body = raw_body(file_part("content", "x.whl", b"y" * 500))
        with pytest.raises(FormError, match="ends before"):
            form_read(request_for(body[:300]), max_file_size=10**6)
        assert os.listdir(temp_dir) == []

    def test_second_content_file(self, temp_dir):
        body = raw_body(file_part("content", "x.whl", b"x"), file_part("content", "y.whl", b"y"))
        with pytest.raises(FormError, match="more than one 'content'"):
            form_read(request_for(body), max_file_size=9)
        assert os.listdir(temp_dir) == []

    def test_part_without_disposition(self):
        with pytest.raises(FormError, match="no Content-Disposition"):
            form_read(request_for(raw_body(b"Content-Type: text/plain\r\n\r\nv")),
                      max_file_size=9)
