"""Synthetic licence-plate generator: recognizer crops and detector scenes (numpy/OpenCV/Pillow)."""

from platekit.synth.generator import PlateSynth, random_text, write_dataset
from platekit.synth.scene import synth_scene

__all__ = ["PlateSynth", "random_text", "synth_scene", "write_dataset"]
