# The runtime of the CPU-sized synthetic pre-training: default_runtime.py with gloo as the
# process-group backend (NCCL needs GPUs) for runs started with a launcher.
_base_ = './default_runtime.py'
env_cfg = dict(dist_cfg=dict(backend='gloo'))
