"""Shared pieces of the grid tests: a tiny checkout (configs with ``init_from``), a spec
over it, and a runner that spawns no process but writes what each tool would write."""
import json
import os
import os.path as osp

from mmdepthpretrain.experiments import GridRunner, GridTools, load_spec

TOOLS = GridTools(python='python', train='tools/train.py', test='tools/test.py',
                  convert='tools/model_converters/pretrain_to_seg.py',
                  world='tools/misc/make_synthetic_world.py')

SPEC = """
name: t
env: {OMP_NUM_THREADS: '1'}
loader_options: {num_workers: 0, persistent_workers: false}
datasets:
  synthetic: {data_root: DATA}
pretrain:
  depth:
    config: configs/depth_pretrain.py
    iters: 5
finetune:
  config: configs/seg-{init}-{setup}.py
  iters: 4
  val_interval: 2
  options: {param_scheduler.0.T_max: '{iters}'}
  inits:
    random: {setups: [full]}
    depth: {pretrain: depth, setups: [full, encoder]}
  budgets: [16]
  seeds: [0, 1]
report:
  metrics: {mIoU7_dataset: mIoU7 (dataset), mIoU7_per_image: mIoU7 (per image), aAcc: aAcc}
"""

# fine-tuning configs of the tiny checkout: name -> init_from mode (None: no init_from)
CONFIGS = {'seg-random-full': None, 'seg-depth-full': 'full', 'seg-depth-encoder': 'encoder'}


def write_config(root, name, mode=None, converter='pretrain_to_seg'):
    """A config file with ``load_from`` and, when ``mode`` is given, ``init_from``."""
    path = osp.join(str(root), 'configs', f'{name}.py')
    os.makedirs(osp.dirname(path), exist_ok=True)
    text = "train_cfg = dict(max_iters=300)\n"
    if mode:
        text += (f"load_from = 'pretrain/{name}.pth'\n"
                 f"init_from = dict(converter={converter!r}, source='work_dirs/x/iter_1.pth', "
                 f"mode={mode!r})\n")
    with open(path, 'w') as f:
        f.write(text)
    return path


def make_root(tmp_path):
    """A folder laid out like a checkout: the configs the spec names."""
    root = tmp_path / 'repo'
    write_config(root, 'depth_pretrain')
    for name, mode in CONFIGS.items():
        write_config(root, name, mode)
    return str(root)


def make_spec(tmp_path, text=SPEC, overrides=(), checkpoints=()):
    """Write the spec (DATA -> a folder of tmp_path) and load it."""
    path = tmp_path / 'spec.yaml'
    path.write_text(text.replace('DATA', str(tmp_path / 'world')))
    return load_spec(str(path), overrides, checkpoints)


class FakeRunner(GridRunner):
    """Runs no process: writes what each tool would write; ``fail`` names failing logs."""

    def __init__(self, *args, fail=(), **kwargs):
        self.lines = []
        super().__init__(*args, echo=False, print_fn=self.lines.append, **kwargs)
        self.spawned = []
        self.fail = fail

    def _spawn(self, argv, log_file):
        self.spawned.append(argv)
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        with open(log_file, 'w') as f:
            f.write('some output\nRuntimeError: boom\n')
        if any(name in log_file for name in self.fail):
            return 1
        tool = argv[1]
        if tool == TOOLS.train:
            work = argv[argv.index('--work-dir') + 1]
            os.makedirs(work, exist_ok=True)
            open(osp.join(work, 'iter_4.pth'), 'w').close()
            with open(osp.join(work, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(work, 'iter_4.pth'))
        elif tool == TOOLS.test:
            out = argv[argv.index('--out') + 1]
            seed = int(out.split('seed')[-1].split(os.sep)[0])
            with open(out, 'w') as f:
                json.dump(dict(aAcc=80.0 + seed, mIoU7_dataset=40.0 + 2 * seed,
                               mIoU7_per_image=30.0 + seed, mIoU=20.0), f)
        elif tool == TOOLS.convert:
            with open(argv[3], 'w') as f:
                f.write(argv[2])  # the converted file remembers its source
        else:
            raise AssertionError(f'unexpected command {argv}')
        return 0
