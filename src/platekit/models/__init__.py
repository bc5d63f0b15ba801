"""Pure nn.Module models (no Lightning) and the model registry."""

from platekit.models.registry import (
    create_model,
    list_models,
    load_checkpoint,
    register_model,
    save_checkpoint,
)

__all__ = ["create_model", "list_models", "load_checkpoint", "register_model", "save_checkpoint"]
