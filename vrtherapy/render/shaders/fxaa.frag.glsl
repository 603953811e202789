#version 130
// FXAA (after Timothy Lottes' FXAA 3.11 "quality" idea, reduced): find edges by luma contrast,
// estimate the edge's direction from the 3x3 neighbourhood, and blend along it. Five fetches on
// flat areas (early out), ten on edges: affordable under software GL, where multisampling is not.
uniform sampler2D u_scene;
uniform vec2 u_texel;  // 1 / texture size
in vec2 v_uv;
out vec4 frag_color;

float luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

// Reads past the picture's edge are undefined for texelFetch: clamp them to the edge (the filtered taps
// below rely on the texture's clamp wrap mode, set where it is made).
ivec2 g_last;
vec3 at(ivec2 p) { return texelFetch(u_scene, clamp(p, ivec2(0), g_last), 0).rgb; }

void main() {
    // The neighbourhood is read unfiltered (texelFetch: far cheaper than filtered reads under llvmpipe);
    // only the few edge pixels pay for the filtered taps that blend along the edge.
    ivec2 p = ivec2(gl_FragCoord.xy);
    g_last = textureSize(u_scene, 0) - 1;
    vec3 c = texelFetch(u_scene, p, 0).rgb;
    float lm = luma(c);
    float ln = luma(at(p + ivec2(0, 1)));
    float ls = luma(at(p + ivec2(0, -1)));
    float le = luma(at(p + ivec2(1, 0)));
    float lw = luma(at(p + ivec2(-1, 0)));
    float lo = min(lm, min(min(ln, ls), min(le, lw)));
    float hi = max(lm, max(max(ln, ls), max(le, lw)));
    float range = hi - lo;
    if (range < max(0.0312, hi * 0.125)) { frag_color = vec4(c, 1.0); return; }
    float lnw = luma(at(p + ivec2(-1, 1)));
    float lne = luma(at(p + ivec2(1, 1)));
    float lsw = luma(at(p + ivec2(-1, -1)));
    float lse = luma(at(p + ivec2(1, -1)));
    vec2 dir = vec2(-((lnw + lne) - (lsw + lse)), (lnw + lsw) - (lne + lse));
    float reduce = max((lnw + lne + lsw + lse) * 0.03125, 1.0 / 128.0);
    float scale = 1.0 / (min(abs(dir.x), abs(dir.y)) + reduce);
    dir = clamp(dir * scale, vec2(-8.0), vec2(8.0)) * u_texel;
    vec3 a = 0.5 * (texture(u_scene, v_uv + dir * (1.0 / 3.0 - 0.5)).rgb + texture(u_scene, v_uv + dir * (2.0 / 3.0 - 0.5)).rgb);
    vec3 b = a * 0.5 + 0.25 * (texture(u_scene, v_uv - dir * 0.5).rgb + texture(u_scene, v_uv + dir * 0.5).rgb);
    float lb = luma(b);
    frag_color = vec4((lb < lo || lb > hi) ? a : b, 1.0);
}
