"""Drives the emulator's Cloud Storage JSON API with the official google-cloud-storage client.

Usage: STORAGE_EMULATOR_HOST=http://127.0.0.1:PORT python gcs_conformance.py

Needs the `google-cloud-storage` package (3.x). Every check runs against a fresh bucket; the
script prints one line per check and a closing "N passed, N failed" line, and exits non-zero if
any check failed.
"""

import base64
import hashlib
import json
import os
import random
import sys
import tempfile
import traceback
import uuid

from google.api_core import exceptions
from google.cloud import storage
from google.cloud.storage._media.requests import SimpleUpload

SAMPLE_TRAIN_URI = (
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl"
)
SAMPLE_VALIDATION_URI = (
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_validation_data.jsonl"
)

CHECKS = []


def check(function):
    CHECKS.append(function)
    return function


def md5_base64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def crc32c_base64(data):
    import google_crc32c

    return base64.b64encode(google_crc32c.Checksum(data).digest()).decode()


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_raises(error_type, function):
    try:
        function()
    except error_type as error:
        return error
    raise AssertionError(f"expected {error_type.__name__}")


@check
def bucket_create_get_list_and_conflict(client, bucket):
    got = client.get_bucket(bucket.name)
    expect(got.name == bucket.name, f"got bucket {got.name}")
    expect(bucket.name in {b.name for b in client.list_buckets()}, "bucket not listed")
    expect_raises(exceptions.Conflict, lambda: client.create_bucket(bucket.name))
    missing = expect_raises(
        exceptions.NotFound, lambda: client.get_bucket(f"missing-{uuid.uuid4().hex[:8]}")
    )
    expect(missing.code == 404, f"code {missing.code}")
    expect(client.lookup_bucket(f"missing-{uuid.uuid4().hex[:8]}") is None, "lookup found")


@check
def small_upload_is_multipart_and_round_trips(client, bucket):
    data = b'{"contents": []}\n' * 3
    blob = bucket.blob("data/small.jsonl")
    blob.upload_from_string(data, content_type="application/jsonl")
    expect(blob.size == len(data), f"size {blob.size}")
    expect(blob.md5_hash == md5_base64(data), "md5Hash")
    expect(blob.crc32c == crc32c_base64(data), "crc32c")
    expect(blob.content_type == "application/jsonl", f"content type {blob.content_type}")
    expect(bucket.blob("data/small.jsonl").download_as_bytes() == data, "download differs")


@check
def media_upload_round_trips(client, bucket):
    data = b"plain media upload"
    url = (
        f"{client._connection.API_BASE_URL}/upload/storage/v1/b/{bucket.name}/o"
        "?uploadType=media&name=media%2Fplain.txt"
    )
    response = SimpleUpload(url).transmit(client._http, data, "text/plain")
    expect(response.status_code == 200, f"status {response.status_code}")
    expect(response.json()["name"] == "media/plain.txt", response.text)
    blob = bucket.get_blob("media/plain.txt")
    expect(blob.content_type == "text/plain", f"content type {blob.content_type}")
    expect(blob.download_as_bytes() == data, "download differs")


@check
def large_upload_is_resumable_in_chunks(client, bucket):
    data = random.Random(7).randbytes(9 * 1024 * 1024 + 123)
    blob = bucket.blob("large/blob.bin", chunk_size=1024 * 1024)
    blob.upload_from_string(data, content_type="application/octet-stream")
    expect(blob.size == len(data), f"size {blob.size}")
    expect(blob.crc32c == crc32c_base64(data), "crc32c")
    fresh = bucket.blob("large/blob.bin")
    expect(fresh.download_as_bytes() == data, "download differs")
    expect(fresh.download_as_bytes(start=10, end=19) == data[10:20], "range differs")
    chunked = bucket.blob("large/blob.bin", chunk_size=4 * 1024 * 1024)
    expect(chunked.download_as_bytes() == data, "chunked download differs")


@check
def large_file_upload_without_chunk_size_is_resumable(client, bucket):
    data = random.Random(8).randbytes(8 * 1024 * 1024 + 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "upload.bin")
        with open(path, "wb") as f:
            f.write(data)
        bucket.blob("large/from-file.bin").upload_from_filename(path)
        out = os.path.join(tmp, "download.bin")
        bucket.blob("large/from-file.bin").download_to_filename(out)
        with open(out, "rb") as f:
            expect(f.read() == data, "download differs")


@check
def metadata_reports_what_was_uploaded(client, bucket):
    blob = bucket.blob("meta/object with spaces ü.json")
    blob.metadata = {"origin": "conformance"}
    blob.upload_from_string(b"{}", content_type="application/json")
    got = bucket.get_blob("meta/object with spaces ü.json")
    expect(got is not None, "not found")
    expect(got.size == 2, f"size {got.size}")
    expect(got.generation == blob.generation, "generation")
    expect(got.metadata == {"origin": "conformance"}, f"metadata {got.metadata}")
    expect(got.time_created is not None and got.updated is not None, "times")
    expect(got.etag, "etag")
    got.reload()
    expect(got.content_type == "application/json", "reload")
    expect(bucket.get_blob("meta/missing") is None, "missing blob found")


@check
def list_with_prefix_delimiter_and_pages(client, bucket):
    for name in ["a/1", "a/2", "a/sub/3", "b/1", "top"]:
        bucket.blob(name).upload_from_string(name.encode())
    names = [b.name for b in client.list_blobs(bucket, prefix="a/")]
    expect(names == ["a/1", "a/2", "a/sub/3"], f"names {names}")
    iterator = client.list_blobs(bucket, delimiter="/")
    top = [b.name for b in iterator]
    expect(top == ["top"], f"top {top}")
    expect(iterator.prefixes == {"a/", "b/"}, f"prefixes {iterator.prefixes}")
    pages = list(client.list_blobs(bucket, page_size=2).pages)
    expect([len(list(p)) for p in pages] == [2, 2, 1], "pages")
    everything = [b.name for b in client.list_blobs(bucket, max_results=4)]
    expect(everything == ["a/1", "a/2", "a/sub/3", "b/1"], f"max results {everything}")


@check
def delete_removes_the_object(client, bucket):
    blob = bucket.blob("gone.txt")
    blob.upload_from_string(b"bye")
    expect(blob.exists(), "not there before delete")
    blob.delete()
    expect(not blob.exists(), "still there")
    expect(bucket.get_blob("gone.txt") is None, "still listed")
    expect_raises(exceptions.NotFound, blob.delete)


@check
def generation_preconditions_are_honoured(client, bucket):
    blob = bucket.blob("guarded.txt")
    blob.upload_from_string(b"v1", if_generation_match=0)
    expect_raises(
        exceptions.PreconditionFailed,
        lambda: bucket.blob("guarded.txt").upload_from_string(b"v2", if_generation_match=0),
    )
    blob.upload_from_string(b"v2", if_generation_match=blob.generation)
    expect(bucket.blob("guarded.txt").download_as_bytes() == b"v2", "not replaced")


@check
def sample_data_sets_are_preloaded(client, bucket):
    for uri, count in [(SAMPLE_TRAIN_URI, 20), (SAMPLE_VALIDATION_URI, 5)]:
        blob = storage.Blob.from_string(uri, client=client)
        lines = blob.download_as_text().splitlines()
        expect(len(lines) == count, f"{uri}: {len(lines)} lines")
        for line in lines:
            example = json.loads(line)
            expect(example["contents"][-1]["role"] == "model", f"{uri}: last turn")


def main():
    host = os.environ.get("STORAGE_EMULATOR_HOST")
    if not host:
        print("STORAGE_EMULATOR_HOST must name the emulator, e.g. http://127.0.0.1:8080")
        return 2
    client = storage.Client()
    passed = failed = 0
    for function in CHECKS:
        bucket = client.create_bucket(f"conformance-{uuid.uuid4().hex[:12]}")
        try:
            function(client, bucket)
        except Exception:
            failed += 1
            print(f"FAIL {function.__name__}")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {function.__name__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
