"""An upload (a zip of the feed's files, or the files themselves) written into a folder.

A zip is read as it expands, never trusted from its own header: its members may expand to
at most ``max_expanded_mb`` in all (``fcu.feed.MAX_EXPANDED_MB``), and no member past its
first 10 MB to more than ``MAX_ZIP_RATIO`` times its compressed size (a feed's CSVs
compress 5-20 times; a zip bomb a thousand). Only the contract's file names are kept.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from fcu.feed.contract import CONTRACT, FeedError

MAX_ZIP_RATIO = 200
_RATIO_FREE = 10 << 20
_CHUNK = 1 << 20


def unpack(
    data: bytes | dict[str, bytes],
    into: Path,
    *,
    max_expanded_mb: int,
    accept: Callable[[str], bool] | None = None,
) -> Path:
    """Write an uploaded zip (or {file name: bytes}) into a folder; return that folder.

    ``accept`` says which of a zip's file names to take (default: the feed's file names).

    Raises FeedError (a sentence) for a zip that cannot be read, expands past the limits,
    or holds a feed file twice (also when the folder already holds it from another upload).
    """
    into.mkdir(parents=True, exist_ok=True)
    if isinstance(data, dict):
        for name, content in data.items():
            target = into / Path(name).name
            if target.exists():
                raise _duplicate(target.name)
            target.write_bytes(content)
        return into
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            wanted = {f"{s.name}.{ext}" for s in CONTRACT for ext in ("csv", "parquet")}
            budget = max_expanded_mb << 20
            for info in archive.infolist():
                base = Path(info.filename).name
                if info.is_dir() or not (accept(base) if accept else base in wanted):
                    continue
                target = into / base
                if target.exists():
                    raise _duplicate(base)
                budget -= _unzip_member(archive, info, target, budget, max_expanded_mb)
    except zipfile.BadZipFile as exc:
        raise FeedError(
            "The upload is not a readable zip file. Upload a zip of the feed's files, "
            "or the files themselves."
        ) from exc
    return into


def _duplicate(base: str) -> FeedError:
    return FeedError(
        f"The upload holds {base} more than once (in the zip's folders, in two zips, or as "
        "a file beside a zip). Keep one copy of each file and upload again."
    )


def _unzip_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    budget: int,
    max_expanded_mb: int,
) -> int:
    """Copy one member out in chunks, counting what it expands to; return its size."""
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise FeedError(
                    f"The zip expands to more than {max_expanded_mb:,} MB, more than FCU "
                    "reads from one upload. Upload the files themselves, or load the folder "
                    "with `python -m fcu load`."
                )
            if written > _RATIO_FREE and written > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise FeedError(
                    f"{Path(info.filename).name} in the zip expands to more than "
                    f"{MAX_ZIP_RATIO} times its compressed size, which no feed file does. "
                    "Zip the feed's files again and upload that zip."
                )
            out.write(chunk)
    return written
