_base_ = ['../_base_/det_backbones/vit-b-dinov3.py', '../_base_/det_ade20k_instance.py',
          '../_base_/det_vitdet_100e.py']
model = dict(roi_head=dict(bbox_head=dict(num_classes={{_base_.num_things}}),
                           mask_head=dict(num_classes={{_base_.num_things}})))
