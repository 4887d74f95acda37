# Monodepth2's input normalisation, (x / 255 - 0.45) / 0.225 on RGB in [0, 255]: the depth,
# flow and reconstruction pre-training here uses it, and so must a network that starts from
# their weights or from Monodepth2's released ones.
# A config selects it by inheriting this file and handing the pair to its data preprocessor:
#   model = dict(data_preprocessor={{_base_.monodepth2_normalization}})
# (one key per normalisation file, because mmengine forbids two bases of one config to
# define the same key).
monodepth2_normalization = dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375])
