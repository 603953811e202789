"""The virtual limb: its generated skinned mesh, model files and appearance."""
