"""Where the failure records are: the clicks bucket, S3 or a folder laid out as the bucket is."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol


class Storage(Protocol):
    """The clicks bucket: S3, or a folder laid out as the bucket is."""

    def keys(self, prefix: str) -> Iterator[str]: ...
    def read(self, key: str) -> bytes: ...
    def write(self, key: str, body: bytes) -> None: ...
    def move(self, key: str, new_key: str) -> None: ...
    def delete(self, key: str) -> None: ...


class FolderStorage:
    """The local runner's bucket folder (``--bucket-dir``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return iter(())
        found = (
            path.relative_to(self.root).as_posix()
            for path in base.rglob("*")
            # Objects being written are dot-files until they are renamed into place.
            if path.is_file() and not path.name.startswith(".")
        )
        return iter(sorted(found))

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write(self, key: str, body: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(temporary, path)

    def move(self, key: str, new_key: str) -> None:
        target = self._path(new_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path(key), target)

    def delete(self, key: str) -> None:
        self._path(key).unlink()


class S3Storage:
    """The deployed stack's clicks bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def write(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)

    def move(self, key: str, new_key: str) -> None:
        self.client.copy_object(
            Bucket=self.bucket, Key=new_key, CopySource={"Bucket": self.bucket, "Key": key}
        )
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)
