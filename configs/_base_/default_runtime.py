# The runtime every config here inherits: mmseg's (default scope mmseg, visualiser, log
# processor, load_from=None, resume=False) plus the import that registers this plugin's
# components. Configs reach it through their `_base_` chain; no other file imports the plugin.
_base_ = ['mmseg::_base_/default_runtime.py', './plugin.py']
