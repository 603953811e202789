"""Trackers of the intact limb: a common protocol and the synthetic, MediaPipe and replay sources."""
