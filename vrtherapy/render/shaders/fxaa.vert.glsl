#version 130
// Full-screen pass for FXAA: the quad's texture coordinates, scaled to the part of the (possibly
// power-of-two padded) texture the scene was drawn into.
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;
out vec2 v_uv;
void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    v_uv = p3d_MultiTexCoord0;
}
