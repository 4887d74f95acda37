# ImageNet mean/std (torchvision's and mmseg's, RGB in [0, 255]): for networks that start
# from ImageNet classification weights and for the supervised DeepLabV3 depth model.
# A config selects it by inheriting this file:
#   model = dict(data_preprocessor={{_base_.imagenet_normalization}})
imagenet_normalization = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
