"""Panda3D rendering: the room, the skinned limbs, the HUD and the display backends."""
