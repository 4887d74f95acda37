"""What a dataset left out of its index, by group (drive, city, folder) and reason.

Every multi-frame dataset builds its index from the files on disk and leaves out a sample
whose frame, neighbour, other camera or depth file is missing. A silent drop hides a broken
download, so the record is always reported: one summary line, then one line per group with
its counts and the first missing paths. ``on_missing='error'`` makes any drop fatal.
"""
from collections import Counter, OrderedDict
from typing import Dict, List, Optional

from mmengine.logging import MMLogger

__all__ = ['DroppedSamples', 'DropRecordMixin', 'MissingDataError', 'ON_MISSING',
           'check_on_missing']

ON_MISSING = ('warn', 'error')


class MissingDataError(FileNotFoundError):
    """Samples were dropped for missing files and the dataset was told to fail."""


class DroppedSamples:
    """Dropped samples grouped by drive (or city, folder) and reason.

    Args:
        max_examples (int): Missing paths kept per group. Defaults to 3.
    """

    def __init__(self, max_examples: int = 3) -> None:
        self.max_examples = max_examples
        self.groups: Dict[str, Counter] = OrderedDict()
        self.examples: Dict[str, List[str]] = {}

    def add(self, group: str, reason: str, missing: Optional[str] = None) -> None:
        """Record one dropped sample of ``group`` and, if known, the file it missed."""
        self.groups.setdefault(group, Counter())[reason] += 1
        shown = self.examples.setdefault(group, [])
        if missing is not None and missing not in shown and len(shown) < self.max_examples:
            shown.append(missing)

    @property
    def reasons(self) -> Counter:
        """Counts by reason over all groups."""
        total: Counter = Counter()
        for counts in self.groups.values():
            total.update(counts)
        return total

    def __len__(self) -> int:
        return sum(self.reasons.values())

    def lines(self, name: str, source: str, total: int) -> List[str]:
        """The report: a summary line, then one line per group."""
        if not self.groups:
            return []
        detail = ', '.join(f'{k}: {v}' for k, v in sorted(self.reasons.items()))
        out = [f'{name}: dropped {len(self)} of {total} samples from {source} ({detail})']
        for group, counts in self.groups.items():
            what = ', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))
            first = self.examples.get(group)
            out.append(f'  {group}: {sum(counts.values())} dropped ({what})' +
                       (f'; first missing: {", ".join(first)}' if first else ''))
        return out

    def report(self, name: str, source: str, total: int, on_missing: str = 'warn') -> None:
        """Log the report (a warning) or, with ``on_missing='error'``, raise it.

        Args:
            name (str): The dataset's name.
            source (str): Split file or data root the index came from.
            total (int): Samples asked for (or frames found).
            on_missing (str): 'warn' or 'error'. Defaults to 'warn'.

        Raises:
            MissingDataError: ``on_missing='error'`` and something was dropped.
        """
        check_on_missing(on_missing)
        lines = self.lines(name, source, total)
        if not lines:
            return
        if on_missing == 'error':
            raise MissingDataError('\n'.join(lines) + "\n(on_missing='error'; restore the "
                                   "files, or set on_missing='warn' to train without them)")
        logger = MMLogger.get_current_instance()
        for line in lines:
            logger.warning(line)


def check_on_missing(on_missing: str) -> str:
    """Validate an ``on_missing`` argument."""
    if on_missing not in ON_MISSING:
        raise ValueError(f"on_missing must be one of {ON_MISSING}, got {on_missing!r}")
    return on_missing


class DropRecordMixin:
    """``num_dropped`` and ``drop_reasons`` of a dataset that keeps ``self.drops``."""

    drops: DroppedSamples

    @property
    def num_dropped(self) -> int:
        """Samples left out of the index for missing files."""
        return len(self.drops)

    @property
    def drop_reasons(self) -> dict:
        """Counts of dropped samples by reason."""
        return dict(self.drops.reasons)
