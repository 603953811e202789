"""One colour swapchain per eye: format and size chosen from what the runtime offers, images acquired,
filled and released each frame.

Format: Panda3D renders display-ready colours into an RGBA8 texture that is copied byte for byte, so
SRGB8_ALPHA8 (the runtime then reads the bytes as the sRGB they are) is preferred, RGBA8 accepted.
Size: the runtime's recommended size, capped for software OpenGL (llvmpipe draws every pixel on the
CPU, and two eyes at a headset's recommended size would not keep up) and at the runtime's maximum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vrtherapy.errors import VrtherapyError

GL_RGBA8 = 0x8058
GL_SRGB8_ALPHA8 = 0x8C43
PREFERRED_FORMATS = (GL_SRGB8_ALPHA8, GL_RGBA8)
#: Pixels per eye allowed on a software renderer (about 450 x 450). Measured with llvmpipe on two shared
#: cores and the clinic room: 424 x 471 per eye kept 13 frames a second, 758 x 843 only 7.
SOFTWARE_GL_MAX_PIXELS = 200_000
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "software")


class NoUsableFormat(VrtherapyError):
    pass


def choose_color_format(offered: Sequence[int]) -> int:
    """The swapchain format to use among the runtime's (its order is its preference)."""
    for wanted in PREFERRED_FORMATS:
        if wanted in offered:
            return wanted
    raise NoUsableFormat("the OpenXR runtime offers neither SRGB8_ALPHA8 nor RGBA8 swapchains "
                         f"(it offers {', '.join(hex(f) for f in offered) or 'none'})")  # fmt: skip


def is_software_renderer(renderer: str) -> bool:
    return any(name in renderer.lower() for name in SOFTWARE_RENDERERS)


def eye_size(recommended: tuple[int, int], maximum: tuple[int, int], software: bool) -> tuple[int, int]:
    """The eye image size: recommended, kept within the maximum and, on software GL, the pixel cap
    (aspect ratio kept)."""
    w, h = recommended
    scale = 1.0
    if software and w * h > SOFTWARE_GL_MAX_PIXELS:
        scale = math.sqrt(SOFTWARE_GL_MAX_PIXELS / (w * h))
    scale = min(scale, maximum[0] / w, maximum[1] / h)
    return max(16, int(w * scale)), max(16, int(h * scale))


@dataclass
class EyeSwapchain:
    """A runtime swapchain and its GL texture names."""

    handle: object
    images: tuple[int, ...]
    width: int
    height: int

    @staticmethod
    def create(session, color_format: int, size: tuple[int, int]) -> EyeSwapchain:
        import xr

        handle = xr.create_swapchain(session, xr.SwapchainCreateInfo(
            usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT | xr.SwapchainUsageFlags.TRANSFER_DST_BIT
            | xr.SwapchainUsageFlags.SAMPLED_BIT,
            format=color_format, sample_count=1, width=size[0], height=size[1], face_count=1, array_size=1,
            mip_count=1))  # fmt: skip
        images = xr.enumerate_swapchain_images(handle, xr.SwapchainImageOpenGLKHR)
        return EyeSwapchain(handle, tuple(int(i.image) for i in images), size[0], size[1])

    def acquire(self) -> int:
        """Acquire and wait for the next image; its GL texture name."""
        import xr

        index = xr.acquire_swapchain_image(self.handle, xr.SwapchainImageAcquireInfo())
        xr.wait_swapchain_image(self.handle, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION))
        return self.images[index]

    def release(self) -> None:
        import xr

        xr.release_swapchain_image(self.handle, xr.SwapchainImageReleaseInfo())

    def destroy(self) -> None:
        import xr

        xr.destroy_swapchain(self.handle)
