"""Reading torch's recurrent layers into our numpy parameters: the checks and conversion they share.

Each layer module (`rnn`, `lstm`, `gru`) has its own `params_from_torch`, because the gate blocks
differ; these two helpers are what the three have in common.
"""


def check_single_layer(module, cls):
    """Raise a ValueError unless `module` is a `cls` with num_layers=1, one direction, batch_first=True
    (and, for an LSTM, no projection)."""
    if not isinstance(module, cls):
        raise ValueError(f"module must be a torch.nn.{cls.__name__}, got {type(module).__name__}")
    proj = getattr(module, "proj_size", 0)
    if module.num_layers != 1 or module.bidirectional or not module.batch_first or proj:
        wanted = "num_layers=1, bidirectional=False, batch_first=True" + (", proj_size=0" if proj else "")
        raise ValueError(
            f"module must be nn.{cls.__name__}({wanted}), got num_layers={module.num_layers}, "
            f"bidirectional={module.bidirectional}, batch_first={module.batch_first}"
            + (f", proj_size={proj}" if proj else "")
        )


def to_numpy(tensor):
    """A float64 numpy copy of a torch tensor (detached, on the CPU)."""
    import torch

    return tensor.detach().cpu().to(torch.float64).numpy().copy()
