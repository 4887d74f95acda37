# MiDaS DPT's input normalisation, (x / 255 - 0.5) / 0.5 on RGB in [0, 255] (MiDaS and
# Hugging Face's DPT image processor): for networks that start from MiDaS DPT weights.
# A config selects it by inheriting this file:
#   model = dict(data_preprocessor={{_base_.midas_normalization}})
midas_normalization = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5])
