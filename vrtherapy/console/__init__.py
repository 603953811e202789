"""The therapist's console: a local web application to keep patients' records, build playlists and run,
watch and steer a session on this station from a tablet or the station's own screen.

The web framework (FastAPI/Starlette, served by uvicorn) stays inside this package; the rest of vrtherapy
does not know it exists. `command.py` serves it, `app.py` holds the gate (pairing, CSRF), `live.py` the
hand-over between the session's loop and the web server.
"""
