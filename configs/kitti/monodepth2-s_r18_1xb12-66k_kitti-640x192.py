# Self-supervised depth from stereo pairs (S) on KITTI raw, ResNet-18 from ImageNet: the MS
# config without the temporal frames and the pose networks (metric, no median scaling).
_base_ = './monodepth2-ms_r18_1xb12-66k_kitti-640x192.py'
model = dict(supervision='S', frame_ids=[0, 's'], pose_encoder=None, pose_decoder=None)
train_dataloader = dict(dataset=dict(frame_ids=[0, 's']))
