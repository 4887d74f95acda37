# The one place that pulls this plugin into a config: both runtimes (mmseg's in
# default_runtime.py, mmdet's in det_runtime.py) inherit it.
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
