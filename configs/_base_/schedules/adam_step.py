# Adam with one step decay of the learning rate (MultiStepLR, by iteration): Monodepth2's
# schedule and the paper's for the flow, reconstruction and NYU depth pre-training. It
# keeps three checkpoints and draws predictions every 200 iterations.
#
# Its numbers are parameters, set by the schedule that inherits this file, in this form
# (E epochs, a step after S epochs by a factor g, learning rate r):
#   iters_per_epoch = N  # iterations per epoch: training images / batch size
#   optim_wrapper = dict(optimizer=dict(lr=r))
#   param_scheduler = [dict(type='MultiStepLR', by_epoch=False,
#                           milestones=[S * iters_per_epoch], gamma=g)]
#   train_cfg = dict(max_iters=E * iters_per_epoch, val_interval=iters_per_epoch)
#   default_hooks = dict(checkpoint=dict(interval=iters_per_epoch))
# mmengine reads a base before its child, so values a base derived from a number would not
# follow the child's number: the child states the derived fields itself, from plain
# variables as above (see monodepth2_66k.py, flow_adam_50e.py, depth_adam_step_30k.py).
_base_ = './iter_based.py'
optim_wrapper = dict(optimizer=dict(type='Adam'))
default_hooks = dict(
    checkpoint=dict(max_keep_ckpts=3),
    visualization=dict(type='DepthVisualizationHook', interval=200),
)
