"""A COCO dataset for mmdet that refuses annotation files with unknown categories.

mmdet's ``CocoDataset`` keeps only the categories named in ``metainfo['classes']`` and
silently drops the others' annotations, so a file written for another label set trains a
detector that has never seen half its objects. This subclass fails instead, naming the
file and the categories the config does not know.
"""
from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

__all__ = ['StrictCocoDataset']


@DATASETS.register_module()
class StrictCocoDataset(CocoDataset):
    """:class:`mmdet.datasets.CocoDataset` that fails on categories outside ``classes``.

    Args:
        allow_extra_categories (bool): Keep mmdet's behaviour (ignore them). Defaults to
            False.
        **kwargs: :class:`mmdet.datasets.CocoDataset` arguments.
    """

    def __init__(self, *args, allow_extra_categories: bool = False, **kwargs) -> None:
        self.allow_extra_categories = allow_extra_categories
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        """Load the annotations, then check their categories against ``classes``."""
        api, names = type(self).COCOAPI, []

        def read_and_record(path):  # mmdet drops its COCO object after loading
            coco = api(path)
            names.extend(c['name'] for c in coco.dataset.get('categories', []))
            return coco

        self.COCOAPI = read_and_record
        try:
            data_list = super().load_data_list()
        finally:
            del self.COCOAPI
        unknown = [n for n in names if n not in self.metainfo['classes']]
        if unknown and not self.allow_extra_categories:
            raise ValueError(
                f'{self.ann_file}: categories {unknown} are not among the config\'s '
                f'classes {list(self.metainfo["classes"])}; add them to '
                "metainfo['classes'] or set allow_extra_categories=True")
        return data_list
