"""File storage behind one interface, ``BlobStore``.

The shape follows multipart object storage (S3): parts are written under an upload, then the
upload is completed into one object. ``LocalBlobStore`` keeps everything under the data dir.
Keys are built by the services from server-generated ids only, never from user file names.
"""

from transferd.blobs.base import BlobStore, CommitGuard, PartDiscarded, PartTooLarge, StoredPart
from transferd.blobs.local import LocalBlobStore

__all__ = ["BlobStore", "CommitGuard", "LocalBlobStore", "PartDiscarded", "PartTooLarge", "StoredPart"]
