_base_ = ['../_base_/det_backbones/vit-l-dinov3.py', '../_base_/det_cityscapes_instance.py',
          '../_base_/det_vitdet_100e.py']
model = dict(roi_head=dict(bbox_head=dict(num_classes={{_base_.num_things}}),
                           mask_head=dict(num_classes={{_base_.num_things}})))
