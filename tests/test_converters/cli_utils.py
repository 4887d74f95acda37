"""Run the converter tools in-process (or as a subprocess) from tests."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools', 'model_converters')
_MODULES = {}


def tool(name):
    """Import ``tools/model_converters/{name}.py`` as a module."""
    if name not in _MODULES:
        spec = importlib.util.spec_from_file_location(f'_converter_{name}',
                                                      osp.join(TOOLS, f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[name] = module
    return _MODULES[name]


def run_main(name, argv):
    """Exit status of ``main(argv)`` (0, or the SystemExit code)."""
    try:
        return tool(name).main(argv) or 0
    except SystemExit as exc:
        return exc.code


def run_subprocess(name, argv, timeout=120):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''),
               OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, osp.join(TOOLS, f'{name}.py'), *argv], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=timeout)
