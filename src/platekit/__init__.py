"""platekit: automatic licence-plate recognition on a CPU."""

__version__ = "0.1.0"

from platekit.core.results import Detection, ImageResult, Plate, Reading  # noqa: E402

__all__ = ["__version__", "Plate", "Reading", "Detection", "ImageResult", "Reader", "draw"]


def __getattr__(name):  # lazy: importing platekit stays light
    if name == "Reader":
        from platekit.inference.reader import Reader

        return Reader
    if name == "draw":
        from platekit.inference.vis import draw

        return draw
    raise AttributeError(name)
