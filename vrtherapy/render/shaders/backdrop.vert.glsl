#version 130
// The cached still scene (render/backdrop.py): a quad covering the whole view, whatever the camera.
in vec4 p3d_Vertex;
void main() {
    gl_Position = vec4(p3d_Vertex.x, p3d_Vertex.z, 0.0, 1.0);
}
