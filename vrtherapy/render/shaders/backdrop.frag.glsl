#version 130
// The cached still scene's colour (anti-aliased) and depth, pixel for pixel: the limbs drawn after it
// are hidden by the table and the body exactly as if the room had been drawn this frame.
uniform sampler2D u_color;
uniform sampler2D u_depth;
out vec4 frag_color;
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    frag_color = vec4(texelFetch(u_color, p, 0).rgb, 1.0);
    gl_FragDepth = texelFetch(u_depth, p, 0).r;
}
