"""OpenXR headset support: the only package that imports pyopenxr (`xr`)."""
