"""Motion pipeline: filtering, mirroring, retargeting and the limb skeletons they act on."""
