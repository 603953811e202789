#version 130
// Soft skin shading: wrapped diffuse (light bleeds past the terminator as it does through skin),
// a warm subsurface tint at the terminator, a sky/floor ambient, and a faint sheen; nails (a per-vertex
// weight from the mesh) tinted towards the nail colour and glossier than skin, with a pale lunula.
// Skin detail from per-vertex distances (limbs/skin_detail.py): crease lines and knuckle wrinkles drawn
// thinner than a triangle and anti-aliased by the pixel's footprint; lighter palms and soles; flush
// over knuckles, fingertips, knees and heels; a faint mottling fixed to the skin (per vertex: cheaper than per pixel under software GL).
uniform vec3 u_skin_color;
uniform vec3 u_key_dir;      // world direction the light travels
uniform vec3 u_key_color;
uniform vec3 u_fill_dir;
uniform vec3 u_fill_color;
uniform vec3 u_sky_color;
uniform vec3 u_ground_color;
uniform vec4 u_sleeve;       // rgb colour, a = how far from the shoulder or hip the clothing reaches (m)
uniform vec4 u_nail;         // rgb nail colour, a = strength 0..1 (0: no nails drawn)
uniform vec3 u_palm_color;   // palms and soles
uniform float u_edge_aa;     // 1: fade the silhouette's last pixel (software GL's anti-aliasing), 0: opaque

in vec3 v_normal;
in vec3 v_position;
in vec2 v_uv;
in float v_rest_along;
in float v_nail;
in vec4 v_skin;
in float v_tint;
in float v_mottle;
out vec4 frag_color;

// How much of a crease covers this pixel: `kind` > 0 one fine line, < 0 a set of knuckle wrinkles.
float crease(float d, float kind) {
    float foot = max(fwidth(d), 0.02);  // the pixel's footprint in millimetres
    float ad = abs(d);
    if (kind > 0.0) {
        float w = 0.22;
        return kind * (1.0 - smoothstep(w - foot, w + foot, ad)) * min(1.0, 2.0 * w / foot);
    }
    float lines = 0.5 + 0.5 * cos(ad * 4.1888);  // every 1.5 mm, sharpened (power 8)
    lines *= lines;
    lines *= lines;
    lines *= lines;
    return -kind * lines * (1.0 - smoothstep(1.2, 2.6, ad)) * min(1.0, 0.7 / foot);
}

// The lights' directions in view space come from the vertex shader, flat (the same for every pixel).
flat in vec3 v_key;
flat in vec3 v_fill;
flat in vec3 v_up;

vec3 wrapped(vec3 n, vec3 l, vec3 color) {
    float ndl = dot(n, l);
    float wrap = max((ndl + 0.45) / 1.45, 0.0);
    vec3 subsurface = vec3(0.20, 0.05, 0.02) * smoothstep(-0.45, 0.15, ndl) * (1.0 - smoothstep(0.15, 0.6, ndl));
    return color * (wrap + subsurface);
}

void main() {
    vec3 n = normalize(v_normal);
    vec3 v = normalize(-v_position);
    float ndv = dot(n, v);
    if (ndv < 0.0) n = -n;
    // Silhouette anti-aliasing without a post pass (u_edge_aa = 1 under software GL): the last pixel
    // before the outline, where the surface turns away from the eye, fades into what lies behind.
    float edge = mix(1.0, clamp(ndv / max(fwidth(ndv) * 1.5, 1e-4), 0.0, 1.0), u_edge_aa);
    vec3 up = v_up;
    vec3 ambient = mix(u_ground_color, u_sky_color, dot(n, up) * 0.5 + 0.5);
    vec3 albedo = mix(u_skin_color, u_palm_color, v_skin.w);
    albedo *= 1.0 + 0.035 * v_mottle;  // mottling, made per vertex (skin.vert.glsl)
    albedo = mix(albedo, albedo * vec3(1.06, 0.86, 0.84), v_tint * 0.8);
    if (abs(v_skin.x) < 6.0) albedo *= 1.0 - crease(v_skin.x, v_skin.y) * vec3(0.26, 0.33, 0.35);
    float sleeve = 1.0 - smoothstep(u_sleeve.a - 0.002, u_sleeve.a + 0.002, v_rest_along);
    // The weight is sharpened a little; around the nail (weight near 0.5) the skin fold is a shade darker.
    float nail = smoothstep(0.15, 0.85, v_nail) * u_nail.a * (1.0 - sleeve);
    float lunula = nail * (1.0 - smoothstep(-0.25, 0.25, v_skin.z));
    vec3 nail_rgb = mix(u_nail.rgb, vec3(0.96, 0.93, 0.91) * max(max(u_nail.r, u_nail.g), u_nail.b), 0.40 * lunula);
    albedo = mix(albedo, nail_rgb, nail) * (1.0 - 0.30 * u_nail.a * v_nail * (1.0 - v_nail));
    albedo = mix(albedo, u_sleeve.rgb, sleeve);
    vec3 light = ambient + wrapped(n, v_key, u_key_color) + wrapped(n, v_fill, u_fill_color);
    vec3 l = v_key;
    float ndh = max(dot(n, normalize(l + v)), 0.0);
    // Powers by multiplication: pow() is an exp and a log per pixel under software GL.
    float ndh8 = ndh * ndh; ndh8 *= ndh8; ndh8 *= ndh8;
    float ndh24 = ndh8 * ndh8 * ndh8;
    // Skin a faint sheen (power 24); nails the same highlight, brighter.
    float sheen = ndh24 * (0.06 * (1.0 - sleeve) + 0.10 * nail);
    float facing = 1.0 - abs(ndv);  // n faces the eye by now
    float rim = facing * facing * facing * 0.08;
    frag_color = vec4(albedo * light + u_key_color * sheen + rim * u_sky_color, edge);
}
