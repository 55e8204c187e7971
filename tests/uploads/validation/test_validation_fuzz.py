"""Corrupt input of any kind yields a report with problems, never an exception."""

import random

import pytest

from uploads.validation import Limits, Report, check_distribution

SEEDS = range(40)


def check(path, filetype, limits=None):
    limits = limits or Limits()
    return check_distribution(path, filename=path.name, filetype=filetype, name="demo-pkg",
                              version="1.0", limits=limits)


@pytest.fixture(params=["bdist_wheel", "sdist"])
def original(request, build, tmp_path):
    """A valid archive of each kind, as (filetype, path)."""
    directory = tmp_path / "original"
    directory.mkdir()
    maker = build.wheel if request.param == "bdist_wheel" else build.sdist
    return request.param, maker(directory)


class TestCorruptInput:
    def test_every_truncation_is_refused(self, original, tmp_path):
        filetype, path = original
        data = path.read_bytes()
        target = tmp_path / path.name
        for cut in sorted({*range(0, len(data), max(1, len(data) // 60)), len(data) - 1}):
            target.write_bytes(data[:cut])
            report = check(target, filetype)
            assert isinstance(report, Report)
            assert report.problems, f"truncated at {cut} of {len(data)}"

    @pytest.mark.parametrize("seed", SEEDS)
    def test_bit_flips_never_raise(self, original, tmp_path, seed):
        filetype, path = original
        rng = random.Random(seed)
        data = bytearray(path.read_bytes())
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        target = tmp_path / path.name
        target.write_bytes(bytes(data))
        assert isinstance(check(target, filetype, Limits(max_uncompressed=8 << 20)), Report)

    @pytest.mark.parametrize("seed", SEEDS)
    def test_random_bytes_are_refused(self, tmp_path, seed, original):
        filetype, path = original
        rng = random.Random(seed)
        target = tmp_path / path.name
        head = path.read_bytes()[: rng.randrange(64)]  # sometimes a plausible signature
        target.write_bytes(head + rng.randbytes(rng.randrange(1, 4096)))
        report = check(target, filetype)
        assert report.problems

    def test_an_empty_file_is_refused(self, original, tmp_path):
        filetype, path = original
        target = tmp_path / path.name
        target.write_bytes(b"")
        assert check(target, filetype).problems

    @pytest.mark.parametrize("seed", range(10))
    def test_garbage_metadata_never_raises(self, build, tmp_path, seed):
        rng = random.Random(seed)
        garbage = rng.randbytes(2000) + "\nName: \udcff\n".encode("utf-8", "surrogateescape")
        report = check(build.wheel(tmp_path, metadata_bytes=garbage), "bdist_wheel")
        assert report.problems
