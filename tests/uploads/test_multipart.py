"""The upload form reader (``uploads.multipart``): what upload clients send, split anywhere,
and every way a body can be wrong."""

import hashlib
import io
import os
import random

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from requests_toolbelt import MultipartEncoder
from urllib3 import encode_multipart_formdata

from uploads import multipart
from uploads.multipart import FormError, form_read

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
        assert form.file_fields == ["content"] and not form.too_large
        content = form.content
        assert form.filename == "demo_pkg-1.0-py3-none-any.whl" and content.size == len(PAYLOAD)
        assert content.read() == PAYLOAD
        assert content.digests == {
            "md5": hashlib.md5(PAYLOAD).hexdigest(), "sha256": hashlib.sha256(PAYLOAD).hexdigest(),
            "blake2_256": hashlib.blake2b(PAYLOAD, digest_size=32).hexdigest()}
        assert os.listdir(temp_dir) == [os.path.basename(content.temporary_file_path())]
        form.close()
        assert os.listdir(temp_dir) == []

    def test_urllib3_encoding_reads_alike(self):
        body, content_type = encode_multipart_formdata(
            [("name", "demo"), ("content", ("demo-1.0.tar.gz", PAYLOAD))], boundary=BOUNDARY)
        form = form_read(request_for(body, content_type), max_file_size=10**6)
        assert form.fields == {"name": ["demo"]} and form.content.read() == PAYLOAD
        form.close()

    @pytest.mark.parametrize("chunk", [1, 2, 3, 7, 16, 17, 64, 1000])
    def test_same_result_whatever_the_chunk_size(self, monkeypatch, chunk):
        """A delimiter, or something that starts like one, split across two reads."""
        body, content_type = twine_like_body()
        monkeypatch.setattr(multipart, "CHUNK_BYTES", chunk)
        form = form_read(request_for(body, content_type), max_file_size=10**6)
        assert form.content.read() == PAYLOAD and len(form.fields) == 10
        assert form.fields["sha256_digest"] == [hashlib.sha256(PAYLOAD).hexdigest()]
        form.close()

    def test_empty_values_preamble_and_epilogue(self):
        body = raw_body(text_part("comment", ""), file_part("content", "x.whl", b""),
                        preamble=b"ignored preamble\r\n", epilogue=b"\r\nignored epilogue")
        form = form_read(request_for(body), max_file_size=100)
        assert form.fields == {"comment": [""]} and form.content.read() == b""
        assert form.content.digests["sha256"] == hashlib.sha256(b"").hexdigest()
        form.close()

    def test_other_file_parts_are_listed_and_dropped(self, temp_dir):
        body = raw_body(file_part("gpg_signature", "x.whl.asc", b"sig"),
                        file_part("content", "x.whl", b"wheel"))
        form = form_read(request_for(body), max_file_size=100)
        assert form.file_fields == ["gpg_signature", "content"]
        assert len(os.listdir(temp_dir)) == 1  # the signature was never written
        form.close()


    @pytest.mark.parametrize(("disposition", "name", "filename"), [
        # reqwest (uv) quotes a quote with a backslash and may send RFC 2231 names.
        (b'form-data; name="content"; filename="a\\"b.whl"', "content", 'a"b.whl'),
        (b"form-data; name*=utf-8''content; filename=\"x.whl\"", "content", "x.whl"),
        # httpx (hatch, pdm) writes a quote as %22, which stays as it is (as in Django).
        (b'form-data; name="content"; filename="a%22b.whl"', "content", "a%22b.whl"),
        (b'Form-Data; Name="content"; FileName="x.whl"', "content", "x.whl"),
        (b'form-data; name=" content "; filename="x.whl"', "content", "x.whl"),
    ])
    def test_other_encoders_dispositions(self, disposition, name, filename):
        part = b"Content-Disposition: " + disposition + b"\r\n\r\ndata"
        form = form_read(request_for(raw_body(part)), max_file_size=9)
        assert form.file_fields == [name] and form.filename == filename
        form.close()

    def test_longest_boundary_is_read(self):
        boundary = "b" * 70
        body = raw_body(text_part("a", "v")).replace(BOUNDARY.encode(), boundary.encode())
        form = form_read(request_for(body, f"multipart/form-data; boundary={boundary}"),
                         max_file_size=9)
        assert form.fields == {"a": ["v"]}

    def test_reads_as_django_does(self, monkeypatch):
        """Random payloads full of near-delimiters, random chunk sizes, both encoders: the
        same fields, bytes and file name as Django's own parser."""
        rng = random.Random(2026)
        for _ in range(150):
            boundary = rng.choice(["b", "x-y", os.urandom(12).hex(), "--abc"])
            near = [b"\r\n", b"--", b"\r", b"\n", b"-", boundary[:-1].encode(),
                    b"\r\n--" + boundary[:-1].encode(), os.urandom(4)]
            payload = b"".join(rng.choice(near) for _ in range(rng.randint(0, 120)))
            if ("--" + boundary).encode() in payload:
                continue
            fields = [("name", "demo"), ("summary", "é" * rng.randint(0, 3)), ("empty", ""),
                      ("classifiers", "A"), ("classifiers", "B"),
                      ("content", ("demo-1.0.tar.gz", payload, "application/octet-stream"))]
            if rng.random() < 0.5:
                encoder = MultipartEncoder(fields=fields, boundary=boundary)
                body, content_type = encoder.to_string(), encoder.content_type
            else:
                body, content_type = encode_multipart_formdata(fields, boundary=boundary)
            monkeypatch.setattr(multipart, "CHUNK_BYTES", rng.choice([1, 2, 5, 13, 64, 65536]))
            form = form_read(request_for(body, content_type), max_file_size=10**6)
            post, files = MultiPartParser(request_for(body, content_type).META, io.BytesIO(body),
                                          [TemporaryFileUploadHandler()], "utf-8").parse()
            theirs = files["content"]
            assert form.fields == {key: post.getlist(key) for key in post}
            assert (form.content.read(), form.filename) == (theirs.read(), theirs.name)
            assert form.content.digests["sha256"] == hashlib.sha256(payload).hexdigest()
            form.close()
            theirs.close()


class TestFileNames:
    """The file name is kept exactly as the client sent it: validation judges that name."""

    @pytest.mark.parametrize("sent", [
        "../../etc/demo-1.0.tar.gz", "/demo-1.0.tar.gz", "C:\\builds\\demo-1.0.tar.gz",
        "demo\x07-1.0.tar.gz", "demo-1.0.tar.gz\x00.exe", "dir/", "..", "&#47;x.whl",
    ])
    def test_paths_and_control_characters_are_kept(self, sent):
        form = form_read(request_for(raw_body(file_part("content", sent, b"x"))), max_file_size=9)
        assert form.filename == sent and form.content.read() == b"x"
        form.close()

    def test_rfc_2231_file_name(self):
        part = (b"Content-Disposition: form-data; name=\"content\"; "
                b"filename*=UTF-8''na%C3%AFve-1.0.tar.gz\r\n\r\nx")
        form = form_read(request_for(raw_body(part)), max_file_size=9)
        assert form.filename == "naïve-1.0.tar.gz"
        form.close()

    def test_very_long_name_is_kept_whole(self):
        sent = "a" * 300 + "." + "x" * 300
        form = form_read(request_for(raw_body(file_part("content", sent, b"x"))), max_file_size=9)
        assert form.filename == sent and form.content.read() == b"x"
        form.close()

    def test_no_file_name_means_no_file(self):
        form = form_read(request_for(raw_body(file_part("content", "", b"x"))), max_file_size=9)
        assert form.content is None and form.filename is None and form.file_fields == []

    def test_part_without_a_name_is_skipped(self):
        part = b'Content-Disposition: form-data; filename="x.whl"\r\n\r\nx'
        form = form_read(request_for(raw_body(part, text_part("name", "demo"))), max_file_size=9)
        assert form.content is None and form.fields == {"name": ["demo"]}


class TestLimits:
    def test_file_over_the_limit_is_dropped_and_flagged(self, temp_dir):
        body = raw_body(file_part("content", "x.whl", b"y" * 200), text_part("name", "demo"))
        form = form_read(request_for(body), max_file_size=199)
        assert form.too_large and form.content is None and os.listdir(temp_dir) == []
        assert form.fields == {"name": ["demo"]}  # the rest of the form was still read

    def test_any_file_part_over_the_limit_flags_the_form(self, temp_dir):
        body = raw_body(file_part("gpg_signature", "x.whl.asc", b"s" * 50),
                        file_part("content", "x.whl", b"x"))
        form = form_read(request_for(body), max_file_size=10)
        assert form.too_large
        form.close()
        assert os.listdir(temp_dir) == []

    def test_file_at_the_limit_is_kept(self):
        form = form_read(request_for(raw_body(file_part("content", "x.whl", b"y" * 200))),
                         max_file_size=200)
        assert not form.too_large and form.content.size == 200
        form.close()

    def test_too_many_fields(self, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
        body = raw_body(*(text_part(f"f{i}", "v") for i in range(3)))
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

    def test_text_fields_at_the_memory_limit_are_read(self, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 120
        form = form_read(request_for(raw_body(text_part("a", "x" * 60), text_part("b", "y" * 60))),
                         max_file_size=9)
        assert form.fields == {"a": ["x" * 60], "b": ["y" * 60]}

    def test_parts_without_a_name_count_too(self, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
        part = b'Content-Disposition: form-data; filename="x.whl"\r\n\r\nx'
        with pytest.raises(FormError, match="more than 5 parts"):
            form_read(request_for(raw_body(*[part] * 6)), max_file_size=9)

    def test_long_disposition_is_refused_before_it_is_parsed(self):
        part = b'Content-Disposition: form-data; name="a"; x="' + b";" * 2000 + b'"\r\n\r\nv'
        with pytest.raises(FormError, match="over 1024 characters"):
            form_read(request_for(raw_body(part)), max_file_size=9)

    def test_header_block_too_long(self):
        part = b'Content-Disposition: form-data; name="a"\r\nX-Pad: ' + b"p" * 20000 + b"\r\n\r\nv"
        with pytest.raises(FormError, match="header"):
            form_read(request_for(raw_body(part)), max_file_size=9)


class TestRefused:
    """Each refusal removes the temporary file it may have started."""

    @pytest.mark.parametrize(("content_type", "message"), [
        ("application/x-www-form-urlencoded", "multipart/form-data"),
        ("multipart/form-data", "boundary"),
        ("multipart/form-data; boundary=" + "b" * 71, "boundary"),
    ])
    def test_content_type(self, content_type, message):
        with pytest.raises(FormError, match=message):
            form_read(request_for(raw_body(text_part("a", "b")), content_type), max_file_size=9)

    def test_empty_body(self):
        with pytest.raises(FormError, match="empty"):
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

    def test_encoded_part(self):
        part = (b'Content-Disposition: form-data; name="content"; filename="x.whl"\r\n'
                b"Content-Transfer-Encoding: base64\r\n\r\neA==")
        with pytest.raises(FormError, match="base64"):
            form_read(request_for(raw_body(part)), max_file_size=9)

    def test_part_without_disposition(self):
        with pytest.raises(FormError, match="Content-Disposition"):
            form_read(request_for(raw_body(b"Content-Type: text/plain\r\n\r\nv")),
                      max_file_size=9)

    def test_unknown_rfc_2231_charset(self):
        part = b"Content-Disposition: form-data; name=\"content\"; filename*=bogus''x.whl\r\n\r\nx"
        with pytest.raises(FormError, match="unreadable"):
            form_read(request_for(raw_body(part)), max_file_size=9)

    def test_part_with_no_headers(self):
        body = raw_body(b"\r\nsecret", text_part("a", "v"))
        with pytest.raises(FormError, match="no Content-Disposition"):
            form_read(request_for(body), max_file_size=9)

    def test_headers_running_into_the_next_part(self):
        body = raw_body(b'Content-Disposition: form-data; name="x"\r\nsecret', text_part("a", "v"))
        with pytest.raises(FormError, match="no blank line"):
            form_read(request_for(body), max_file_size=9)

    def test_part_that_is_not_form_data(self):
        part = b'Content-Disposition: attachment; name="a"\r\n\r\nv'
        with pytest.raises(FormError, match="not form-data"):
            form_read(request_for(raw_body(part)), max_file_size=9)

    def test_delimiter_followed_by_garbage(self):
        body = raw_body(text_part("a", "b")).replace(b"b\r\n--" + BOUNDARY.encode() + b"--",
                                                     b"b\r\n--" + BOUNDARY.encode() + b"xx")
        with pytest.raises(FormError, match="malformed"):
            form_read(request_for(body), max_file_size=9)
