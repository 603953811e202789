"""vrtherapy: virtual-reality mirror therapy for phantom limb pain and stroke rehabilitation.

Data flows one way, one small module per stage, plain data types in between:

    tracking (TrackedSample) -> motion.one_euro (TrackedSample) -> motion.mirror (TrackedSample)
    -> motion.retarget (LimbPose) -> render (Panda3D scene) -> display (xr | window | offscreen)
"""

__version__ = "0.1.0"
