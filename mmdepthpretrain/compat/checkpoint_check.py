"""What is wrong with a checkpoint file: not a checkpoint, truncated, or corrupt.

torch reports a damaged file in its own terms ("PytorchStreamReader failed reading zip
archive", "invalid load key", an ``EOFError`` without a message), never naming the file,
and does not check the CRC-32 of a zip archive's members, so flipped bits in a tensor load
silently. :func:`verify_checkpoint` (run by :func:`~mmdepthpretrain.compat.safe_load`
before every load, once per file version) checks the container and raises
:class:`CorruptCheckpointError`, which names the file, what is wrong with it and what to
do:

* **not a checkpoint**: neither a torch zip archive, a legacy torch pickle nor a
  safetensors file (an HTML page from a failed download, a Git LFS pointer, random bytes);
* **truncated**: the file ends early (an interrupted save, copy or download): an empty
  file, a zip archive without its central directory, a pickle stream without its end;
* **corrupt**: complete but damaged (a member failing its CRC-32 check, a pickle that does
  not parse).

Only a file that passes these checks and then asks for Python objects outside the
weights-only allow-list is reported as unsafe (:class:`~mmdepthpretrain.compat.
UnsafeCheckpointError`); :func:`pickle_globals` lists what it asks for without running it.
"""
from __future__ import annotations

import io
import json
import os
import os.path as osp
import pickle
import pickletools
import string
import zipfile
import zlib

__all__ = ['CheckpointError', 'CorruptCheckpointError', 'verify_checkpoint', 'pickle_globals']

ZIP_MAGIC = b'PK\x03\x04'
_EOCD = b'PK\x05\x06'
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # the first pickle of torch's legacy format
_LEGACY_PARTS = ('magic number', 'protocol version', 'system info', 'object',
                 'storage keys')
_VERIFIED: dict = {}  # (real path, size, mtime_ns) of files that passed


class CheckpointError(RuntimeError):
    """A checkpoint file cannot be loaded (base class)."""


class CorruptCheckpointError(CheckpointError):
    """A file is not a checkpoint, is truncated or is corrupt.

    Args:
        path (str): The file.
        kind (str): ``'not a checkpoint'``, ``'truncated'`` or ``'corrupt'``.
        detail (str): What was found.
    """

    ADVICE = {
        'not a checkpoint': 'check the path, or download the file again',
        'truncated': 'the file was cut short (an interrupted save, copy or download): '
                     'delete it and resume from an earlier checkpoint, or copy or download '
                     'it again',
        'corrupt': 'delete it and use an earlier checkpoint, or copy or download it again',
    }

    def __init__(self, path: str, kind: str, detail: str) -> None:
        self.path, self.kind, self.detail = path, kind, detail
        label = kind if kind == 'not a checkpoint' else f'{kind} checkpoint'
        super().__init__(f'{path}: {label} ({detail}); {self.ADVICE[kind]}')


def _describe_head(head: bytes) -> str:
    """What a file that is no checkpoint starts like."""
    text = head.lstrip()
    if text.startswith(b'version https://git-lfs'):
        return 'a Git LFS pointer instead of the file itself; fetch it with git lfs pull'
    if text[:1] == b'<':
        return 'an HTML or XML document, e.g. the error page of a failed download'
    if text and all(chr(c) in string.printable for c in text[:64]):
        return f'a text file starting {text[:40].decode("ascii", "replace")!r}'
    return f'unrecognised content, first bytes {head[:8].hex(" ")}'


def _has_end_record(path: str, size: int) -> bool:
    """Whether the zip's end-of-central-directory record ends the file."""
    with open(path, 'rb') as f:
        f.seek(max(0, size - 22 - 65535))
        tail = f.read()
    pos = tail.rfind(_EOCD)
    while pos >= 0:
        comment = int.from_bytes(tail[pos + 20:pos + 22], 'little')
        if pos + 22 + comment == len(tail):
            return True
        pos = tail.rfind(_EOCD, 0, pos)
    return False


def _check_zip(path: str, size: int) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        if not _has_end_record(path, size):
            raise CorruptCheckpointError(
                path, 'truncated', f'a zip archive of {size} bytes without the central '
                'directory that ends a complete one') from None
        raise CorruptCheckpointError(path, 'corrupt', f'damaged zip archive: {exc}') from None
    with archive:
        pickles = [n for n in archive.namelist() if n == 'data.pkl' or n.endswith('/data.pkl')]
        if not pickles:
            raise CorruptCheckpointError(path, 'not a checkpoint',
                                         'a zip archive without the data.pkl of torch.save')
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise CorruptCheckpointError(path, 'corrupt', f'damaged zip archive: {exc}') from None
        if bad is not None:
            raise CorruptCheckpointError(path, 'corrupt',
                                         f'member {bad} fails its CRC-32 check')
        try:
            for _ in pickletools.genops(io.BytesIO(archive.read(pickles[0]))):
                pass
        except Exception as exc:  # noqa: BLE001 - any parse failure is damage
            raise CorruptCheckpointError(
                path, 'corrupt', f'{pickles[0]} is not a valid pickle: {exc}') from None


def _check_legacy(path: str, size: int) -> None:
    with open(path, 'rb') as f:
        for i, part in enumerate(_LEGACY_PARTS):
            start = f.tell()
            try:
                for _ in pickletools.genops(f):
                    pass
            except Exception as exc:  # noqa: BLE001 - classify every parse failure
                if f.tell() >= size or 'exhausted' in str(exc) or 'not enough data' in str(exc):
                    raise CorruptCheckpointError(
                        path, 'truncated', f'the file ends inside its {part} ({size} '
                        'bytes)') from None
                if i == 0:
                    raise CorruptCheckpointError(path, 'not a checkpoint',
                                                 f'a pickle that is not torch.save\'s: {exc}'
                                                 ) from None
                raise CorruptCheckpointError(path, 'corrupt',
                                             f'its {part} does not parse: {exc}') from None
            if i == 0:
                f.seek(start)
                magic = _NoGlobals(f).load_first()
                if magic != _LEGACY_MAGIC:
                    raise CorruptCheckpointError(path, 'not a checkpoint',
                                                 "a pickle that is not torch.save's")


class _NoGlobals(pickle.Unpickler):
    """Unpickles plain data only (for the legacy format's magic number)."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f'global {module}.{name}')

    def load_first(self):
        try:
            return self.load()
        except Exception:  # noqa: BLE001 - anything but the number is not our format
            return None


def _check_safetensors(path: str, size: int) -> None:
    with open(path, 'rb') as f:
        head = f.read(8)
        if len(head) < 8:
            raise CorruptCheckpointError(path, 'truncated', f'{size} bytes, no header')
        length = int.from_bytes(head, 'little')
        if length > 100_000_000:
            raise CorruptCheckpointError(path, 'not a checkpoint',
                                         f'no safetensors header ({_describe_head(head)})')
        raw = f.read(length)
    if len(raw) < length:
        raise CorruptCheckpointError(path, 'truncated', 'the file ends inside its header')
    try:
        header = json.loads(raw)
        end = max((v['data_offsets'][1] for k, v in header.items() if k != '__metadata__'),
                  default=0)
    except Exception as exc:  # noqa: BLE001 - a damaged header
        raise CorruptCheckpointError(path, 'corrupt', f'its header does not parse: {exc}'
                                     ) from None
    if 8 + length + end > size:
        raise CorruptCheckpointError(path, 'truncated', f'{size} bytes of the '
                                     f'{8 + length + end} its header describes')


def verify_checkpoint(path: str) -> None:
    """Raise :class:`CorruptCheckpointError` if ``path`` is not an intact checkpoint.

    A torch zip archive is checked completely (its directory, the CRC-32 of every member,
    the pickle); a legacy torch pickle and a safetensors file are checked for their
    structure. A file that passed is not checked again while its size and modification
    time stay the same.

    Args:
        path (str): An existing file.

    Raises:
        CorruptCheckpointError: What is wrong, with the file's name and what to do.
    """
    stat = os.stat(path)
    key = (osp.realpath(path), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    size = stat.st_size
    if size == 0:
        raise CorruptCheckpointError(path, 'truncated', 'empty file, 0 bytes')
    with open(path, 'rb') as f:
        head = f.read(64)
    if path.endswith('.safetensors'):
        _check_safetensors(path, size)
    elif head.startswith(ZIP_MAGIC):
        _check_zip(path, size)
    elif head[:1] == b'\x80' and head[1:2] in (b'\x02', b'\x03', b'\x04', b'\x05'):
        _check_legacy(path, size)
    else:
        raise CorruptCheckpointError(path, 'not a checkpoint', _describe_head(head))
    _VERIFIED[key] = True


_STRING_OPS = {'SHORT_BINUNICODE', 'BINUNICODE', 'BINUNICODE8', 'UNICODE', 'SHORT_BINSTRING',
               'BINSTRING', 'STRING'}


def _scan(stream) -> set:
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(stream):
        if op.name == 'GLOBAL':
            found.add(str(arg).replace(' ', '.'))
        elif op.name == 'STACK_GLOBAL' and len(strings) >= 2:
            found.add(f'{strings[-2]}.{strings[-1]}')  # the two strings pushed before it
        elif op.name in _STRING_OPS:
            strings.append(arg)
    return found


def pickle_globals(path: str) -> list:
    """The globals a checkpoint's pickle names, read without running it.

    Args:
        path (str): An intact torch checkpoint (zip or legacy format).

    Returns:
        list[str]: ``module.name`` of every global, sorted.
    """
    with open(path, 'rb') as f:
        if f.read(4) == ZIP_MAGIC:
            with zipfile.ZipFile(path) as archive:
                name = next(n for n in archive.namelist() if n.endswith('data.pkl'))
                return sorted(_scan(io.BytesIO(archive.read(name))))
        f.seek(0)
        for _ in range(3):  # magic number, protocol version, system info
            for _ in pickletools.genops(f):
                pass
        return sorted(_scan(f))
