"""Therapy sessions: exercises, playlists, the session runner, repetition counting."""
