"""Speed and memory of the PlainViT backbone against Hugging Face's Dinov2 backbone.

Both run the Depth Anything v2 setting: a DINOv2 ViT (default ViT-L/14) returning four
layer-normed blocks as ``(B, C, H/14, W/14)`` maps (ours: ``PlainViT(arch='dinov2-l',
out_indices=[4, 11, 17, 23])``; Hugging Face: ``Dinov2Backbone`` with the same stages,
``apply_layernorm`` and ``reshape_hidden_states``), on the same input, in the same run,
with the same weights (converted by ``vit_to_mmdp``; the outputs are checked to agree).
Hugging Face is timed with its ``eager`` attention and with ``sdpa``.

For each input size and mode (``fwd``: eval forward without gradients; ``fwd+bwd``:
train-mode forward and backward of the mean of the outputs) it reports the median
samples/s over ``--repeats`` blocks of ``--iters`` calls (after ``--warmup``) and the
peak memory: on CUDA ``max_memory_allocated`` during the calls; on the CPU the growth of
the peak resident set size during the calls, measured in a fresh process per entry.
``ratio`` is ours / Hugging Face (speed: > 1 is faster; memory: < 1 is smaller).
On the CPU each entry's process is watched and stopped when its resident set passes
``--mem-limit-gb`` (default 92 % of the machine's memory), so an entry that does not fit
(Hugging Face's eager attention keeps every ``(B, heads, N, N)`` probability map for the
backward pass: about 2 GiB per block at 896x896, batch 2) is reported as out of memory
instead of taking the machine down. ``--json`` writes every entry, with the settings, to a file.

Examples::

    python benchmarks/vit_backbone.py                               # ViT-L, 518 and 896, b2
    python benchmarks/vit_backbone.py --iters 1 --repeats 3 --json vit_l_cpu.json
    python benchmarks/vit_backbone.py --device cuda --dtype bf16
    python benchmarks/vit_backbone.py --arch small --sizes 224 --iters 2 --repeats 3
    python benchmarks/vit_backbone.py --arch small --sizes 224 --threads 1 --clock cpu  # shared
"""
import argparse
import json
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

ARCHS = {'small': ('dinov2-s', 384, 12, 6, [2, 5, 8, 11]),
         'base': ('dinov2-b', 768, 12, 12, [2, 5, 8, 11]),
         'large': ('dinov2-l', 1024, 24, 16, [4, 11, 17, 23]),
         'giant': ('dinov2-g', 1536, 40, 24, [9, 19, 29, 39])}
IMPLS = ('ours', 'hf-eager', 'hf-sdpa')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', default='large', choices=sorted(ARCHS))
    p.add_argument('--sizes', type=int, nargs='+', default=[518, 896],
                   help='square input sides (multiples of 14)')
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--dtype', default='fp32', choices=['fp32', 'bf16'],
                   help='bf16: autocast to bfloat16 (parameters stay float32)')
    p.add_argument('--modes', nargs='+', default=['fwd', 'fwd+bwd'], choices=['fwd', 'fwd+bwd'])
    p.add_argument('--impls', nargs='+', default=list(IMPLS), choices=IMPLS)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--iters', type=int, default=3, help='calls per timed block')
    p.add_argument('--repeats', type=int, default=3, help='timed blocks (median reported)')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    p.add_argument('--clock', default='wall', choices=['wall', 'cpu'],
                   help='cpu: time by the process CPU time (CPU device only; with --threads 1 '
                   'it is robust to other load on a shared machine)')
    p.add_argument('--mem-limit-gb', type=float, default=None,
                   help='CPU: resident-memory limit per entry in GiB (default: 92%% of the memory)')
    p.add_argument('--json', default=None, help='write the entries and settings to this file')
    p.add_argument('--grad-checkpoint', action='store_true',
                   help='gradient checkpointing per block in both (ours: with_cp=True; '
                   'Hugging Face: gradient_checkpointing_enable), for sizes whose activations '
                   'do not fit')
    p.add_argument('--in-process', action='store_true',
                   help='CPU: run every entry in this process (quicker; the peak memory of '
                   'an entry then includes what earlier entries left allocated)')
    p.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def hf_backbone(arch: str, attn: str):
    """Hugging Face ``Dinov2Backbone`` as Depth Anything v2 uses it."""
    from transformers import Dinov2Backbone, Dinov2Config
    _, dim, layers, heads, idx = ARCHS[arch]
    cfg = Dinov2Config(hidden_size=dim, num_hidden_layers=layers, num_attention_heads=heads,
                       image_size=518, patch_size=14, use_swiglu_ffn=arch == 'giant',
                       out_indices=[i + 1 for i in idx], apply_layernorm=True,
                       reshape_hidden_states=True, attn_implementation=attn)
    return Dinov2Backbone(cfg)


def ours_from(hf_model, arch: str):
    """PlainViT with the Hugging Face model's weights (converted by ``vit_to_mmdp``)."""
    from mmseg.registry import MODELS

    import mmdepthpretrain  # noqa: F401
    from mmdepthpretrain.converters import vit_to_mmdp
    out, report = vit_to_mmdp(hf_model.state_dict(), fmt='hf_dinov2',
                              hf_config=hf_model.config.to_dict())
    model = MODELS.build(dict(report.info['backbone config'], out_indices=ARCHS[arch][4]))
    model.load_state_dict({k[len('backbone.'):]: v for k, v in out.items()})
    return model


def build(impl: str, arch: str, device: str, grad_checkpoint: bool = False):
    """A freshly initialised model (speed and memory do not depend on the values)."""
    if impl == 'ours':
        from mmdepthpretrain.models import PlainViT
        return PlainViT(arch=ARCHS[arch][0], out_indices=ARCHS[arch][4],
                        with_cp=grad_checkpoint).to(device)
    model = hf_backbone(arch, impl.split('-')[1]).to(device)
    if grad_checkpoint:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=dict(
            use_reentrant=False))
    return model


def run_once(model, impl: str, x: torch.Tensor, mode: str, dtype: str):
    ctx = torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=dtype == 'bf16')
    if mode == 'fwd':
        with torch.no_grad(), ctx:
            return model(x) if impl == 'ours' else model(x).feature_maps
    with ctx:
        outs = model(x) if impl == 'ours' else model(x).feature_maps
        loss = sum(o.float().mean() for o in outs)
    loss.backward()
    return outs


def _status_mb(field: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    raise KeyError(field)


def cpu_memory_probe():
    """Reset the peak RSS; returns a function giving the peak growth since (MB)."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # resets VmHWM (the peak resident set size) to the current RSS
        base = _status_mb('VmRSS')
        return lambda: _status_mb('VmHWM') - base
    except OSError:  # no procfs: the process's lifetime peak (less precise)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0 - base


def measure(model, impl, args, size, mode):
    """(median samples/s, peak MB, samples/s of each timed block) of one entry, here."""
    device = torch.device(args.device)
    x = torch.randn(args.batch, 3, size, size, device=device)
    model.train(mode != 'fwd')
    for p in model.parameters():
        p.grad = None
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    if device.type == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        growth = cpu_memory_probe()
    for _ in range(args.warmup):
        run_once(model, impl, x, mode, args.dtype)
    clock = time.process_time if args.clock == 'cpu' and device.type == 'cpu' else \
        time.perf_counter
    rates = []
    for _ in range(args.repeats):
        sync()
        t0 = clock()
        for _ in range(args.iters):
            run_once(model, impl, x, mode, args.dtype)
        sync()
        rates.append(args.batch * args.iters / (clock() - t0))
    if device.type == 'cuda':
        peak = (torch.cuda.max_memory_allocated() - base) / 2**20
    else:
        peak = growth()
    return statistics.median(rates), peak, rates


def worker(args):
    impl, size, mode = args.worker.split(':')
    print(json.dumps(entry(impl, args, int(size), mode)))


def entry(impl: str, args, size: int, mode: str) -> dict:
    """``dict(rate=, peak=, rates=)`` of one entry, or ``dict(oom=message)`` if it does not fit."""
    model = None
    try:
        model = build(impl, args.arch, args.device, args.grad_checkpoint)
        rate, peak, rates = measure(model, impl, args, size, mode)
        return dict(rate=rate, peak=peak, rates=rates)
    except (MemoryError, RuntimeError) as e:
        # CPU: the allocator could not get the memory; CUDA: OutOfMemoryError
        if not (isinstance(e, (MemoryError, torch.cuda.OutOfMemoryError))
                or 'allocate' in str(e)):
            raise
        return dict(oom=(str(e).splitlines() or [type(e).__name__])[0][:200])
    finally:
        del model
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def machine_memory_gib() -> float:
    """MemTotal of /proc/meminfo in GiB."""
    with open('/proc/meminfo') as f:
        return int(f.readline().split()[1]) / 2**20


def run_watched(cmd, limit_gb: float) -> dict:
    """Run a worker; stop it when its resident set passes ``limit_gb`` (polled)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    limit_kb, over = limit_gb * 2**20, False
    while proc.poll() is None:
        try:
            with open(f'/proc/{proc.pid}/status') as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith('VmRSS:'))
        except (OSError, StopIteration):  # exiting, or no procfs
            rss = 0
        if rss > limit_kb:
            proc.kill()
            over = True
            break
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    if over:
        return dict(oom=f'resident set passed {limit_gb:.1f} GiB')
    if proc.returncode == -9:  # the kernel's OOM killer
        return dict(oom='killed (SIGKILL)')
    if proc.returncode:
        raise RuntimeError(stderr[-2000:])
    return json.loads(stdout.strip().splitlines()[-1])


def check_agreement(arch: str, device: str):
    """Same outputs from both implementations (a small input)."""
    hf = hf_backbone(arch, 'sdpa').eval().to(device)
    ours = ours_from(hf, arch).eval().to(device)
    x = torch.randn(1, 3, 98, 126, device=device)
    with torch.no_grad():
        diff = max((a - b).abs().max().item() for a, b in zip(ours(x), hf(x).feature_maps))
    return diff


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.worker:
        return worker(args)
    print(f'torch {torch.__version__}, device {args.device}, dtype {args.dtype}, arch '
          f'{args.arch} ({ARCHS[args.arch][0]}), batch {args.batch}, threads '
          f'{torch.get_num_threads()}, warmup {args.warmup}, {args.repeats}x{args.iters} calls, '
          f'{args.clock} clock{", gradient checkpointing" if args.grad_checkpoint else ""}')
    print(f'max |ours - HF| on a 98x126 input: {check_agreement(args.arch, args.device):.2e}')
    results = {}
    mem_limit = None
    if args.device == 'cpu' and not args.in_process:
        mem_limit = args.mem_limit_gb or 0.92 * machine_memory_gib()
        print(f'resident-memory limit per entry: {mem_limit:.1f} GiB')
    for size in args.sizes:
        for mode in args.modes:
            for impl in args.impls:
                if args.device == 'cpu' and not args.in_process:  # fresh process: the
                    # peak RSS of this entry alone
                    cmd = [sys.executable, osp.abspath(__file__), '--worker',
                           f'{impl}:{size}:{mode}', '--arch', args.arch, '--device', 'cpu',
                           '--dtype', args.dtype, '--batch', str(args.batch), '--warmup',
                           str(args.warmup), '--iters', str(args.iters), '--repeats',
                           str(args.repeats), '--clock', args.clock]
                    cmd += ['--threads', str(args.threads)] if args.threads else []
                    cmd += ['--grad-checkpoint'] if args.grad_checkpoint else []
                    res = run_watched(cmd, mem_limit)
                else:
                    res = entry(impl, args, size, mode)
                results[(size, mode, impl)] = res
                if 'oom' in res:
                    print(f'{size:5d} {mode:8s} {impl:9s} out of memory ({res["oom"]})',
                          flush=True)
                else:
                    print(f'{size:5d} {mode:8s} {impl:9s} {res["rate"]:9.3f} samples/s  peak '
                          f'{res["peak"]:9.1f} MB', flush=True)
                if args.json:  # after each entry: a run cut short keeps what it measured
                    save_json(args, results, ratio_rows(args, results), mem_limit)
    ratios = ratio_rows(args, results, echo=True)
    if args.json:
        save_json(args, results, ratios, mem_limit)
        print(f'wrote {args.json}')
    return results


def ratio_rows(args, results, echo=False):
    """Ours / Hugging Face per size and mode (printed with ``echo``)."""
    if echo:
        print('\nratio ours / HF (speed > 1: ours faster; memory < 1: ours smaller)')
    ratios = []
    for size in args.sizes:
        for mode in args.modes:
            ours = results.get((size, mode, 'ours'))
            for impl in args.impls:
                other = results.get((size, mode, impl))
                if impl == 'ours' or ours is None or other is None:
                    continue
                if 'oom' in ours or 'oom' in other:
                    who = 'ours' if 'oom' in ours else impl
                    ratios.append(dict(size=size, mode=mode, vs=impl, oom=who))
                    if echo:
                        print(f'{size:5d} {mode:8s} vs {impl:9s} n/a: {who} out of memory')
                    continue
                speed = ours['rate'] / other['rate']
                mem = ours['peak'] / other['peak'] if other['peak'] > 0 else None
                ratios.append(dict(size=size, mode=mode, vs=impl, speed=speed, memory=mem))
                if echo:
                    mem_s = f'{mem:.2f}' if mem is not None else 'n/a'
                    print(f'{size:5d} {mode:8s} vs {impl:9s} speed {speed:.2f}  memory {mem_s}')
    return ratios


def save_json(args, results, ratios, mem_limit) -> None:
    """The entries so far, with the settings and the machine, to ``args.json``."""
    from train_throughput import machine, write_json

    settings = {k: v for k, v in vars(args).items() if k not in ('worker', 'json')}
    first = results.get((args.sizes[0], args.modes[0], 'ours'), {})
    write_json(args.json, dict(
        settings, torch=torch.__version__, threads=torch.get_num_threads(),
        mem_limit_gib=mem_limit, date=time.strftime('%Y-%m-%d'), machine=machine(args.device),
        memory_gib=machine_memory_gib(), samples_per_s=first.get('rate'),
        entries=[dict(size=k[0], mode=k[1], impl=k[2], **v) for k, v in results.items()],
        ratios=ratios))

if __name__ == '__main__':
    main()
