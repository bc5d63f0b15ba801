"""Synthetic licence-plate generator: recognizer crops and detector scenes (numpy/OpenCV/Pillow)."""

from platekit.synth.generator import PlateSynth, random_text, synth_scene, write_dataset

__all__ = ["PlateSynth", "random_text", "synth_scene", "write_dataset"]
