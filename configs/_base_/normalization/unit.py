# Inputs scaled to [0, 1] (mean 0, std 255): the choice for random initialisation, where
# no pre-training fixes the statistics, and the segmentation models' default.
# A config selects it by inheriting this file:
#   model = dict(data_preprocessor={{_base_.unit_normalization}})
unit_normalization = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
