# The data preprocessor of the pre-training models (depth, flow, reconstruction): Monodepth2's
# input normalisation and its colour jitter (brightness, contrast, saturation +-0.2, hue
# +-0.1, with p 0.5), applied on the device; the model bases inherit it.
_base_ = '../normalization/monodepth2.py'
data_preprocessor = dict(
    type='MultiFrameDataPreProcessor',
    mean={{_base_.monodepth2_normalization.mean}},
    std={{_base_.monodepth2_normalization.std}},
    color_jitter=dict(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1, prob=0.5),
)
