"""darl_torch: a PyTorch twin of darl's DARL model that reads and writes darl run directories."""
from .config import ConfigError, ModelSpec, TrainSpec, model_spec, train_spec
from .model import DarlTorch, darl_names
from .run_dir import RunDirError, commit_checkpoint, read_checkpoint
from .checkpoint import CheckpointMismatch, load_params

__all__ = ['ConfigError', 'ModelSpec', 'TrainSpec', 'model_spec', 'train_spec', 'DarlTorch', 'darl_names', 'RunDirError',
           'read_checkpoint', 'commit_checkpoint', 'CheckpointMismatch', 'load_params']
