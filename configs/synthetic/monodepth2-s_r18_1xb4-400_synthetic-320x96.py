# CPU-sized stereo self-supervised depth (S) on the synthetic KITTI-layout world: the MS
# config without the temporal frames and the pose networks.
_base_ = './monodepth2-ms_r18_1xb4-400_synthetic-320x96.py'
model = dict(supervision='S', frame_ids=[0, 's'], pose_encoder=None, pose_decoder=None)
train_dataloader = dict(dataset=dict(frame_ids=[0, 's']))
